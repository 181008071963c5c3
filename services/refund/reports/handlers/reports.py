"""The reports, computed from the refund forms when asked for."""

from __future__ import annotations

from datetime import date
from typing import cast

from services.refund.domain import periods
from services.refund.reports.deps import Context
from services.refund.reports.domain import daily, monthly
from services.refund.reports.domain.errors import RoleRequired
from services.refund.reports.domain.statistics import Department, StatisticsState
from services.refund.reports.handlers import statistics
from services.refund.reports.handlers.statistics import FINANCE_READERS, SERVICE_READERS
from services.refund.reports.store import forms
from shared.db.pool import read_snapshot
from shared.http import Actor

DAILY_READERS = SERVICE_READERS | FINANCE_READERS


def require(actor: Actor, allowed: frozenset[str], what: str) -> None:
    if not allowed & actor.roles:
        raise RoleRequired(f"{what} is for {', '.join(sorted(allowed))}")


async def service_monthly(
    ctx: Context, month: date, actor: Actor
) -> tuple[StatisticsState, list[monthly.ServiceRow]]:
    """客服退单统计表 and where it stands: stored once the head approved it, computed before."""
    stored, rows = await statistics.table(ctx, month, Department.SERVICE, actor)
    return stored.statistics.state, cast(list[monthly.ServiceRow], rows)


async def finance_monthly(
    ctx: Context, month: date, actor: Actor
) -> tuple[StatisticsState, list[monthly.FinanceRow]]:
    """财务退单统计表 and where it stands: stored once the head approved it, computed before."""
    stored, rows = await statistics.table(ctx, month, Department.FINANCE, actor)
    return stored.statistics.state, cast(list[monthly.FinanceRow], rows)


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
