"""Refund forms: filing, each review step, send-back and resubmission, waiting on the
customer, and the payout's outcome. One transaction each; the form row is locked
first, so two decisions on one form are applied one after the other."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.refund.deps import Deps
from services.refund.domain import forms as chain
from services.refund.domain.deadlines import Deadline, Limit, filing_deadline
from services.refund.domain.errors import FormExists, InvalidForm, OverRefund
from services.refund.domain.forms import Decision, Form, State, Step, Transition
from services.refund.domain.payouts import payout_id
from services.refund.domain.stored import StoredForm
from services.refund.handlers import keys, timers
from services.refund.handlers.keys import Keyed
from services.refund.handlers.notices import tell_staff, text_customer, yuan
from services.refund.store import deadlines, forms, payouts
from shared import metrics
from shared.http import Actor
from shared.idempotency import Answer
from shared.telemetry import current_trace_id
from shared.unit_of_work import UnitOfWork

Apply = Callable[[UnitOfWork, StoredForm, Form], Awaitable[None]]
"""A command's change to a locked form (as stored, the domain form)."""
CLOCK_SKEW = timedelta(minutes=2)
"""How far in the future a complaint or purchase time may lie (clocks differ)."""


@dataclass(frozen=True)
class FormFields:
    """What the agent writes on the form (退款申请表)."""

    order_no: str
    purchased_at: datetime
    bank: str
    amount_cents: int
    paid_cents: int
    phone: str
    fault: str
    cause: str
    customer_opinion: str
    complaint_at: datetime
    customer_name: str = ""
    complaint_no: str | None = None


def check_fields(f: FormFields, now: datetime) -> None:
    if f.amount_cents > f.paid_cents:
        raise OverRefund(
            f"the refund ({f.amount_cents} cents) is more than was paid ({f.paid_cents} cents)"
        )
    if f.purchased_at > now + CLOCK_SKEW or f.complaint_at > now + CLOCK_SKEW:
        raise InvalidForm("purchase and complaint times cannot be in the future")
    if f.complaint_at < f.purchased_at:
        raise InvalidForm("the complaint cannot come before the purchase")


def new_form_id() -> str:
    return f"RF{uuid.uuid4().hex[:12].upper()}"


async def file_form(deps: Deps, fields: FormFields, actor: Actor, keyed: Keyed[str]) -> Answer:
    """File a form (within 10 minutes of the complaint, or the filing limit is breached);
    answered with the form as filed (kept under the key, if any)."""

    async def act(uow: UnitOfWork) -> str:
        return await _file(uow, deps, fields, actor)

    return await keys.run(deps.unit(), keyed, fields.order_no, act)


async def _file(uow: UnitOfWork, deps: Deps, fields: FormFields, actor: Actor) -> str:
    conn, now = uow.conn, uow.now()
    check_fields(fields, now)
    role = chain.agent_role(actor.roles)
    form_id = new_form_id()
    values: dict[str, Any] = {
        "form_id": form_id,
        **dataclasses.asdict(fields),
        "purchased_at": fields.purchased_at.replace(second=0, microsecond=0),
        "filed_by": actor.username,
        "filed_at": now,
        "state": State.LEAD_CHECK.value,
        "updated_at": now,
    }
    if not await forms.insert(conn, values):
        raise FormExists(
            f"order {fields.order_no} has a refund form already: correct and resubmit it"
        )
    await forms.add_records(
        conn,
        form_id,
        1,
        [chain.Record("filed", "done", actor.username, role, fields.customer_opinion)],
        None,
        State.LEAD_CHECK,
        now,
        current_trace_id(),
    )
    limits = timers.limits_of(deps)
    filing = filing_deadline(form_id, fields.complaint_at, now, limits)
    await deadlines.upsert(conn, filing)
    await deadlines.upsert(
        conn, Deadline(form_id, Limit.SUBMISSION_TO_FINANCE, now + limits.submission)
    )
    if filing.breached_at is not None:
        await timers.breached(uow, deps, filing, fields.order_no)
    return form_id


async def decide(
    deps: Deps,
    form_id: str,
    step: Step,
    decision: Decision,
    *,
    opinion: str,
    actor: Actor,
    keyed: Keyed[str],
) -> Answer:
    """A review step approves the form on, or sends it back to the agent with a reason."""

    async def apply(uow: UnitOfWork, row: StoredForm, form: Form) -> None:
        now = uow.now()
        move = chain.decide(
            form,
            step,
            decision,
            actor=actor.username,
            roles=actor.roles,
            opinion=opinion,
            second_approval_above=deps.settings.refund_second_approval_above_cents,
        )
        if step is Step.TECH_VERIFICATION and decision is Decision.APPROVE and not opinion.strip():
            raise InvalidForm("technical verification records what was found (opinion)")
        columns: dict[str, Any] = {}
        if move.sent_back_by is not None:
            columns |= {
                "sent_back_at": now,
                "sent_back_step": step.value,
                "sent_back_reason": opinion.strip(),
            }
        elif step is Step.TECH_VERIFICATION:
            columns["tech_finding"] = opinion.strip()
        elif step is Step.FINANCE_SUBMISSION:
            columns["submitted_to_finance_at"] = now
        elif move.pay:  # the director's approval, or the second one above the threshold
            columns["finance_approved_at"] = now
        await _save(uow, deps, row, move, **columns)

    return await _on_form(deps, form_id, keyed, apply)


async def resubmit(
    deps: Deps,
    form_id: str,
    corrections: dict[str, Any],
    *,
    note: str,
    actor: Actor,
    keyed: Keyed[str],
) -> Answer:
    """The agent corrects a sent-back form and sends it through the chain again."""

    async def apply(uow: UnitOfWork, row: StoredForm, form: Form) -> None:
        move = chain.resubmit(form, actor=actor.username, roles=actor.roles, note=note)
        fields = FormFields(
            **{
                name: corrections.get(name, getattr(row, name))
                for name in FormFields.__dataclass_fields__
            }
        )
        if fields.order_no != row.order_no:
            raise InvalidForm("the order number of a form cannot change")
        check_fields(fields, uow.now())
        changed = {k: v for k, v in corrections.items() if v != getattr(row, k) and k != "order_no"}
        await _save(uow, deps, row, move, **changed)

    return await _on_form(deps, form_id, keyed, apply)


async def wait_for_customer(
    deps: Deps, form_id: str, *, waiting: bool, note: str, actor: Actor, keyed: Keyed[str]
) -> Answer:
    async def apply(uow: UnitOfWork, row: StoredForm, form: Form) -> None:
        move = chain.wait_for_customer(
            form, waiting=waiting, actor=actor.username, roles=actor.roles, note=note
        )
        await _save(uow, deps, row, move)

    return await _on_form(deps, form_id, keyed, apply)


async def retry_payout(
    deps: Deps, form_id: str, *, note: str, actor: Actor, keyed: Keyed[str]
) -> Answer:
    async def apply(uow: UnitOfWork, row: StoredForm, form: Form) -> None:
        move = chain.retry_payout(form, actor=actor.username, roles=actor.roles, note=note)
        await _save(uow, deps, row, move)

    return await _on_form(deps, form_id, keyed, apply)


async def close(
    deps: Deps, form_id: str, *, reason: str, actor: Actor, keyed: Keyed[str]
) -> Answer:
    """Close a sent-back form for good: no refund; the customer and the agent are told."""

    async def apply(uow: UnitOfWork, row: StoredForm, form: Form) -> None:
        move = chain.close(form, actor=actor.username, roles=actor.roles, reason=reason)
        said = reason.strip()
        columns = {"closed_at": uow.now(), "closed_by": actor.username, "closed_reason": said}
        await _save(uow, deps, row, move, **columns)
        await _tell_outcome(
            uow, row, "closed", ("refund_form_closed", "refund_refused"), reason=said
        )

    return await _on_form(deps, form_id, keyed, apply)


async def _on_form(deps: Deps, form_id: str, keyed: Keyed[str], apply: Apply) -> Answer:
    """One command on one form, in one unit of work: its key's first answer replayed, or
    the row locked, the change applied and the answer rendered (kept under the key)."""

    async def act(uow: UnitOfWork) -> str:
        row = await forms.row_of(uow.conn, form_id, lock=True)
        await apply(uow, row, await forms.form_of(uow.conn, row))
        return form_id

    return await keys.run(deps.unit(), keyed, form_id, act)


async def _save(
    uow: UnitOfWork, deps: Deps, row: StoredForm, move: Transition, **columns: Any
) -> None:
    conn, now = uow.conn, uow.now()
    await forms.save(conn, move, now, trace_id=current_trace_id(), **columns)
    await timers.apply(uow, deps, move)
    form_id, order_no = row.form_id, row.order_no
    if move.pay:
        await payouts.owe(
            conn,
            payout_id=payout_id("form", form_id),
            kind="form",
            subject_id=form_id,
            amount_cents=columns.get("amount_cents", row.amount_cents),
            account=f"{row.bank}:{order_no}",
            now=now,
        )
    if move.sent_back_by is not None:
        await tell_staff(
            uow,
            username=row.filed_by,
            template_id="refund_form_sent_back",
            params={
                "form_id": form_id,
                "order_no": order_no,
                "step": chain.STEP_LABEL[move.sent_back_by],
                "reason": columns["sent_back_reason"],
            },
            dedupe_key=f"refund-form-{form_id}-sent-back-{move.after.round}",
        )


async def payout_succeeded(uow: UnitOfWork, deps: Deps, form_id: str, reference: str) -> None:
    """Paid: the form completes, the agent is told in-app and the customer by SMS."""
    conn, now = uow.conn, uow.now()
    row = await forms.row_of(conn, form_id, lock=True)
    form = await forms.form_of(conn, row)
    if form.state is not State.PAYING:
        return  # a person's retry raced a late answer: the form already moved on
    move = chain.paid(form, reference=reference)
    await forms.save(
        conn,
        move,
        now,
        trace_id=current_trace_id(),
        paid_at=now,
        payout_reference=reference,
        completed_at=now,
    )
    await timers.apply(uow, deps, move)
    await _tell_outcome(
        uow, row, "paid", ("refund_form_paid", "refund_paid"), amount=yuan(row.amount_cents)
    )


async def _tell_outcome(
    uow: UnitOfWork, row: StoredForm, outcome: str, templates: tuple[str, str], **params: str
) -> None:
    """The form ended (paid or closed): the filing agent is told in-app and the customer by
    SMS, once each (dedupe keys ``refund-form-<id>-<outcome>-agent`` / ``-customer``)."""
    form_id, order_no = row.form_id, row.order_no
    await tell_staff(
        uow,
        username=row.filed_by,
        template_id=templates[0],
        params={"form_id": form_id, "order_no": order_no, **params},
        dedupe_key=f"refund-form-{form_id}-{outcome}-agent",
    )
    await text_customer(
        uow,
        phone=row.phone,
        template_id=templates[1],
        params={"order_no": order_no, **params},
        dedupe_key=f"refund-form-{form_id}-{outcome}-customer",
    )
    saga = "completed" if outcome == "paid" else outcome
    metrics.saga_finished("refund_form", saga, (uow.now() - row.filed_at).total_seconds())


async def payout_gave_up(uow: UnitOfWork, form_id: str, detail: str) -> None:
    row = await forms.row_of(uow.conn, form_id, lock=True)
    form = await forms.form_of(uow.conn, row)
    if form.state is not State.PAYING:
        return
    await forms.save(uow.conn, chain.payout_failed(form, detail=detail), uow.now(), trace_id=None)
