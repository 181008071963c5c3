"""The reports, computed from the refund forms when asked for."""

from __future__ import annotations

from datetime import date

from services.refund.aftersales.handlers.context import Context
from services.refund.reports.domain import daily, monthly, periods
from services.refund.reports.domain.errors import RoleRequired
from services.refund.reports.store import forms
from shared.db.pool import read_snapshot
from shared.http import Actor

SERVICE_READERS = frozenset({"duty_lead"})
"""客服部: the duty leads compile the service department's table."""
FINANCE_READERS = frozenset({"cashier", "accountant", "finance_director"})
"""财务部: finance compiles its own."""
DAILY_READERS = SERVICE_READERS | FINANCE_READERS


def require(actor: Actor, allowed: frozenset[str], what: str) -> None:
    if not allowed & actor.roles:
        raise RoleRequired(f"{what} is for {', '.join(sorted(allowed))}")


async def service_monthly(ctx: Context, month: date, actor: Actor) -> list[monthly.ServiceRow]:
    require(actor, SERVICE_READERS, "the service department's monthly refund statistics")
    start, end = periods.month_bounds(month, ctx.settings.tz)
    async with read_snapshot(ctx.pool) as conn:
        filed = await forms.filed_between(conn, start, end)
    return monthly.service_rows(f for f, _ in filed)


async def finance_monthly(ctx: Context, month: date, actor: Actor) -> list[monthly.FinanceRow]:
    require(actor, FINANCE_READERS, "the finance department's monthly refund statistics")
    start, end = periods.month_bounds(month, ctx.settings.tz)
    async with read_snapshot(ctx.pool) as conn:
        submitted = await forms.submitted_between(conn, start, end)
    return monthly.finance_rows(submitted)


async def daily_faults(ctx: Context, day: date, actor: Actor) -> daily.DailyFaults:
    require(actor, DAILY_READERS, "the daily fault statistics")
    start, end = periods.day_bounds(day, ctx.settings.tz)
    async with read_snapshot(ctx.pool) as conn:
        filed = await forms.filed_between(conn, start, end)
        events = await forms.steps_between(conn, start, end)
        amounts = {
            k: v.amount_cents
            for k, v in (await forms.facts(conn, [e.form_id for e in events])).items()
        }
        breaches = await forms.breaches_between(conn, start, end)
    return daily.daily_faults(day, filed, events, amounts, breaches)
