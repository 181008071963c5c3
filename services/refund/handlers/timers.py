"""Applying a transition's time limits, and recording breaches (once per form and limit)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from services.refund.deps import Deps
from services.refund.domain.deadlines import ASSIGNEE_ROLE, LABEL, Deadline, Limit, Limits, describe
from services.refund.domain.forms import Timer, Transition
from services.refund.handlers.notices import tell_staff
from services.refund.store import deadlines as store
from shared import metrics
from shared.contracts import REFUND_SLA_BREACHED, RefundSlaBreached
from shared.unit_of_work import UnitOfWork


def limits_of(deps: Deps) -> Limits:
    s = deps.settings
    return Limits(
        filing=timedelta(minutes=s.refund_filing_limit_minutes),
        submission=timedelta(minutes=s.refund_submission_limit_minutes),
        finance=timedelta(hours=s.refund_finance_limit_hours),
    )


async def apply(uow: UnitOfWork, deps: Deps, step: Transition) -> None:
    """Start, stop, pause or resume the form's limits as the transition says."""
    if not step.timers and step.pause is None:
        return
    form_id, now = step.after.form_id, uow.now()
    current = {d.limit: d for d in await store.of_form(uow.conn, form_id)}
    changed: dict[Limit, Deadline] = {}
    limits = limits_of(deps)
    for limit, timer in step.timers:
        existing = changed.get(limit) or current.get(limit)
        if timer is Timer.START:
            due = now + limits.of(limit)
            fresh = Deadline(form_id, limit, due)
            changed[limit] = existing.restart(due) if existing else fresh
        elif existing is not None:
            changed[limit] = existing.meet(now)
    if step.pause is not None:
        for limit, d in {**current, **changed}.items():
            changed[limit] = d.pause(now) if step.pause else d.resume(now)
    for d in changed.values():
        await store.upsert(uow.conn, d)


async def breached(uow: UnitOfWork, deps: Deps, d: Deadline, order_no: str) -> None:
    """Record a breach: on the form, on refund.sla.breached.v1, in metrics, to the duty lead."""
    limit, now = describe(limits_of(deps).of(d.limit)), uow.now()
    await store.upsert(uow.conn, d.breach(now) if d.breached_at is None else d)
    await uow.publish(
        REFUND_SLA_BREACHED,
        RefundSlaBreached(
            form_id=d.form_id,
            order_no=order_no,
            step=d.limit.value,
            due_at=d.due_at,
            breached_at=now,
            assignee_role=ASSIGNEE_ROLE[d.limit],
        ),
        # one event per form and limit, ever: a stable id lets consumers drop a repeat
        ce_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"refund-sla:{d.form_id}:{d.limit.value}")),
    )
    await tell_staff(
        uow,
        username=deps.settings.refund_duty_lead_inbox,
        template_id="refund_form_overdue",
        params={"form_id": d.form_id, "order_no": order_no, "step": LABEL[d.limit], "limit": limit},
        dedupe_key=f"refund-form-{d.form_id}-overdue-{d.limit.value}",
    )
    metrics.sla_breached(d.limit.value)


async def sweep_breaches(deps: Deps) -> int:
    """The durable timer: every running limit past due is breached, once (SKIP LOCKED)."""
    async with deps.unit() as uow:
        overdue = await store.lock_overdue(uow.conn, uow.now())
        for deadline, order_no in overdue:
            await breached(uow, deps, deadline, order_no)
    return len(overdue)
