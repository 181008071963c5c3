"""Daily statistics: rentals (租借信息), returns (还车信息), new users (用户统计)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from services.rental.api.common import RentalDeps
from services.rental.domain.statistics import DayRange, fill
from services.rental.store import statistics as store
from shared.api.rental import DailyStatisticsOut, DayOut
from shared.http import CurrentActor

router = APIRouter(tags=["statistics"])


@router.get("/statistics/daily", response_model=DailyStatisticsOut)
async def daily(
    deps: RentalDeps,
    _actor: CurrentActor,
    from_: Annotated[date, Query(alias="from", description="First local day")],
    to: Annotated[date, Query(description="Last local day (inclusive); at most 366 days")],
) -> DailyStatisticsOut:
    """Per local day of the business time zone, every day listed (zero when quiet)."""
    days = DayRange(from_, to)
    tz = deps.settings.tz
    start, end = days.bounds(tz)
    counts = {
        what: await store.per_day(deps.pool, what, start, end, deps.settings.timezone)
        for what in ("rentals", "returns", "new_users")
    }
    rows = fill(days.days(), counts["rentals"], counts["returns"], counts["new_users"])
    return DailyStatisticsOut(
        time_zone=deps.settings.timezone,
        days=[
            DayOut(day=r.day, rentals=r.rentals, returns=r.returns, new_users=r.new_users)
            for r in rows
        ],
        total_rentals=sum(r.rentals for r in rows),
        total_returns=sum(r.returns for r in rows),
        total_new_users=sum(r.new_users for r in rows),
    )
