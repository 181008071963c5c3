"""The monthly statistics' approval, verification, archive and follow-up: one transaction
each, the month's row locked first. Approving stores the table as the head saw it."""

from __future__ import annotations

from datetime import date

from services.refund.domain import periods
from services.refund.handlers import keys
from services.refund.handlers.keys import Keyed
from services.refund.handlers.notices import tell_staff
from services.refund.reports.deps import Context
from services.refund.reports.domain import due, monthly
from services.refund.reports.domain import statistics as rules
from services.refund.reports.domain.errors import RoleRequired, WrongState
from services.refund.reports.domain.statistics import Department, Statistics
from services.refund.reports.store import forms
from services.refund.reports.store import statistics as store
from services.refund.reports.store.statistics import MonthStatistics, Rows
from shared.db import Db
from shared.db.pool import read_snapshot
from shared.http import Actor
from shared.idempotency import Answer
from shared.unit_of_work import UnitOfWork

SERVICE_READERS = frozenset({"duty_lead"})
"""客服部: the duty leads compile the service department's table."""
FINANCE_READERS = frozenset({"cashier", "accountant", "finance_director"})
"""财务部: finance compiles its own."""
READERS = {Department.SERVICE: SERVICE_READERS, Department.FINANCE: FINANCE_READERS}


def readable(actor: Actor) -> list[Department]:
    """The departments whose statistics the caller reads: their own, or every one for the
    admin/HR office that verifies them."""
    return [d for d, who in READERS.items() if actor.roles & (who | {rules.ADMIN_HR})]


def require_reader(actor: Actor, department: Department) -> None:
    if department not in readable(actor):
        allowed = ", ".join(sorted(READERS[department] | {rules.ADMIN_HR}))
        raise RoleRequired(f"the {department.value} department's statistics are for {allowed}")


def today(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.settings.tz).date()


async def computed(ctx: Context, conn: Db, month: date, department: Department) -> Rows:
    """The month's table from the forms as they stand."""
    start, end = periods.month_bounds(month, ctx.settings.tz)
    if department is Department.SERVICE:
        return monthly.service_rows(f for f, _ in await forms.filed_between(conn, start, end))
    return monthly.finance_rows(await forms.submitted_between(conn, start, end))


async def table(
    ctx: Context, month: date, department: Department, actor: Actor
) -> tuple[MonthStatistics, Rows]:
    """The month's table: the stored one once approved (never recomputed), else computed."""
    require_reader(actor, department)
    async with read_snapshot(ctx.pool) as conn:
        stored = await store.get(conn, month, department)
        if stored.rows is not None:
            return stored, stored.rows
        return stored, await computed(ctx, conn, month, department)


async def decide(
    ctx: Context,
    month: date,
    department: Department,
    action: str,
    actor: Actor,
    text: str,
    keyed: Keyed[MonthStatistics],
) -> Answer:
    async def act(uow: UnitOfWork) -> MonthStatistics:
        conn, now = uow.conn, uow.now()
        s = (await store.get(conn, month, department, lock=True)).statistics
        step = _rule(s, action, actor, text, today(ctx))
        rows = await computed(ctx, conn, month, department) if action == "approve" else None
        if not await store.save(conn, step, actor.username, now, rows):
            raise WrongState(f"the statistics of {month:%Y-%m} were decided meanwhile")
        await _tell(ctx, uow, step, s, actor)
        return await store.get(conn, month, department)

    return await keys.run(ctx.unit(), keyed, f"{month:%Y-%m}:{department.value}", act)


async def _tell(
    ctx: Context, uow: UnitOfWork, step: rules.Step, before: Statistics, actor: Actor
) -> None:
    """Submitted to the office (提交至行政人事部) on approval; returned to the head who
    approved it. One message per decision: its time is in the dedupe key."""
    s = step.after
    words: dict[str, str | int] = {
        "month": f"{s.month:%Y-%m}",
        "department": due.DEPARTMENT_WORDS[s.department.value],
    }
    if step.action == "approve":
        recipients = [n.strip() for n in ctx.settings.refund_report_office_staff.split(",")]
        template, params = "refund_monthly_report_approved", {"approved_by": actor.username}
    elif step.action == "return" and before.approved_by is not None:
        recipients = [before.approved_by]
        template, params = "refund_monthly_report_returned", {"reason": step.opinion}
    else:
        return
    for recipient in filter(None, recipients):
        await tell_staff(
            uow,
            username=recipient,
            template_id=template,
            params={**words, **params},
            dedupe_key=f"refund:report:{s.month:%Y-%m}:{s.department.value}:{step.action}:"
            f"{uow.now().isoformat()}:{recipient}",
        )


def _rule(s: Statistics, action: str, actor: Actor, text: str, on: date) -> rules.Step:
    who, roles = actor.username, actor.roles
    if action == "approve":
        return rules.approve(s, actor=who, roles=roles, today=on, opinion=text)
    if action == "return":
        return rules.return_(s, actor=who, roles=roles, reason=text)
    if action == "verify":
        return rules.verify(s, actor=who, roles=roles, opinion=text)
    if action == "archive":
        return rules.archive(s, actor=who, roles=roles)
    return rules.follow_up(s, actor=who, roles=roles, note=text)
