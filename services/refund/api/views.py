"""What the API answers, built from what the stores read: forms with their steps, time limits and
payout; requested refunds. The shapes are shared with the gateway (shared/api/refund.py)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from services.refund.api.common import fields_of
from services.refund.deps import Deps
from services.refund.domain import forms as chain
from services.refund.domain import requested as rules
from services.refund.domain.forms import Form
from services.refund.domain.stored import (
    PayoutNeedingAttention,
    QueuedForm,
    RequestedRefund,
    StoredForm,
)
from services.refund.store import deadlines, forms, payouts, requested
from shared.actions import offered
from shared.api.refund import (
    AttentionOut,
    DeadlineOut,
    PayoutOut,
    QueuedFormOut,
    RefundFormOut,
    RefundFormSummaryOut,
    RefusalOut,
    RequestedRefundOut,
    StepOut,
)
from shared.db import Db
from shared.http import Actor
from shared.masking import mask_phone


def _shown(row: StoredForm, actions: list[str], masked: bool) -> dict[str, Any]:
    """The stored form's fields as the API names them (the answer models take theirs)."""
    return fields_of(row) | {
        "actions": actions,
        "phone": mask_phone(row.phone) if masked else row.phone,
        "waiting_customer": row.waiting_customer_since is not None,
    }


def form_summary(
    row: StoredForm, actions: list[str], *, masked: bool = True
) -> RefundFormSummaryOut:
    return RefundFormSummaryOut.model_validate(_shown(row, actions, masked))


async def form_summaries(
    conn: Db, rows: Sequence[StoredForm], actor: Actor
) -> list[RefundFormSummaryOut]:
    """A page of forms, masked, each with what this caller may do to it."""
    domain = await forms.forms_of(conn, rows)
    return [form_summary(r, _actions(f, actor)) for r, f in zip(rows, domain, strict=True)]


def _actions(form: Form, actor: Actor) -> list[str]:
    return chain.actions(form, actor=actor.username, roles=actor.roles)


async def queued_forms(conn: Db, rows: Sequence[QueuedForm], actor: Actor) -> list[QueuedFormOut]:
    """A queue's forms, masked, with the running limit's due time."""
    summaries = await form_summaries(conn, [r.form for r in rows], actor)
    return [queued_form(row, summary) for row, summary in zip(rows, summaries, strict=True)]


def queued_form(row: QueuedForm, summary: RefundFormSummaryOut) -> QueuedFormOut:
    return QueuedFormOut(
        **summary.model_dump(),
        due_at=row.due_at,
        due_limit=row.due_limit,
        due_paused=row.due_paused,
        overdue=row.due_breached_at is not None,
        queued_at=row.queued_at,
    )


async def form_detail(conn: Db, form_id: str, actor: Actor) -> RefundFormOut:
    """One form in full, with what ``actor`` may do to it now."""
    row = await forms.row_of(conn, form_id)
    form = await forms.form_of(conn, row)
    refused = chain.step_refusal(form, actor=actor.username, roles=actor.roles)
    payout = await payouts.of_subject(conn, "form", form_id)
    return RefundFormOut(
        **_shown(row, _actions(form, actor), masked=False),
        steps=[StepOut.model_validate(fields_of(s)) for s in await forms.steps(conn, form_id)],
        deadlines=[
            DeadlineOut(
                step=d.limit.value,
                due_at=d.due_at,
                paused=d.paused_at is not None,
                met_at=d.met_at,
                breached_at=d.breached_at,
            )
            for d in await deadlines.of_form(conn, form_id)
        ],
        payout=PayoutOut.model_validate(fields_of(payout)) if payout else None,
        step_refusal=RefusalOut(
            step=refused[0].value, code=refused[1].code, message=refused[1].message
        )
        if refused
        else None,
    )


async def today(conn: Db, deps: Deps) -> rules.Today:
    """The policy and today's totals an approval would be checked against now."""
    now, tz = deps.now(), deps.settings.tz
    policy = (await requested.policy(conn)).policy
    totals = await requested.day_totals(conn, rules.business_day(now, tz))
    return rules.Today(policy, totals, now, tz)


def requested_refund(
    row: RequestedRefund, actor: Actor, at: rules.Today, *, masked: bool = True
) -> RequestedRefundOut:
    values = fields_of(row)
    if masked and values["phone"]:
        values["phone"] = mask_phone(values["phone"])
    values["actions"] = rules.actions(
        state=rules.RequestedState(row.state),
        amount_cents=row.amount_cents,
        requested_by=row.requested_by,
        actor=actor.username,
        roles=actor.roles,
        today=at,
    )
    return RequestedRefundOut.model_validate(values)


async def requested_refunds(
    conn: Db, rows: Sequence[RequestedRefund], actor: Actor, deps: Deps
) -> list[RequestedRefundOut]:
    at = await today(conn, deps)
    return [requested_refund(r, actor, at) for r in rows]


async def requested_detail(
    conn: Db, refund_id: str, actor: Actor, deps: Deps
) -> RequestedRefundOut:
    row = await requested.row_of(conn, refund_id)
    out = requested_refund(row, actor, await today(conn, deps), masked=False)
    payout = await payouts.of_subject(conn, "requested", refund_id)
    out.payout = PayoutOut.model_validate(fields_of(payout)) if payout else None
    return out


def attention_item(item: PayoutNeedingAttention, actor: Actor) -> AttentionOut:
    """A payout waiting for a person, with what this caller may do about it: retry it (a
    form's: cashier or finance director), or retry or give up a requested refund's."""
    payout = item.payout
    if payout.subject_kind == "form":
        # a payout retry's rule reads only the form's state and the caller's roles
        form = Form(payout.subject_id, chain.State(item.subject_state), 0, filed_by="")
        retry = partial(chain.retry_payout, form, actor=actor.username, roles=actor.roles, note="")
        allowed = offered({"payout_retry": retry})
    else:
        state = rules.RequestedState(item.subject_state)
        allowed = offered(
            {
                "payout_retry": partial(rules.retry_payout, state=state, roles=actor.roles),
                "give_up": partial(rules.give_up, state=state, roles=actor.roles, note="-"),
            }
        )
    return AttentionOut.model_validate({**fields_of(payout), "actions": allowed})
