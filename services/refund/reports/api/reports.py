"""Daily fault statistics and the monthly refund statistics, as JSON and as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from services.refund.domain import periods
from services.refund.reports.api.common import ReportsContext, csv_download
from services.refund.reports.api.views import (
    daily_faults_out,
    finance_row,
    service_row,
    totals_out,
)
from services.refund.reports.domain import monthly, tables
from services.refund.reports.handlers import reports as handlers
from shared.api.refund_reports import DailyFaultsOut, FinanceMonthlyOut, ServiceMonthlyOut
from shared.http import CurrentActor
from shared.masking import mask_phone

router = APIRouter(tags=["reports"])
Month = Annotated[str, Query(description="YYYY-MM, in the business's time zone")]
Day = Annotated[date, Query(alias="date", description="YYYY-MM-DD, in the business's time zone")]


@router.get("/reports/daily-faults", response_model=DailyFaultsOut)
async def daily_faults(day: Day, ctx: ReportsContext, actor: CurrentActor) -> DailyFaultsOut:
    """The day's refund forms by fault cause, and what was submitted, paid, sent back."""
    return daily_faults_out(await handlers.daily_faults(ctx, day, actor))


@router.get("/reports/daily-faults.csv", response_class=StreamingResponse)
async def daily_faults_csv(day: Day, ctx: ReportsContext, actor: CurrentActor) -> StreamingResponse:
    report = await handlers.daily_faults(ctx, day, actor)
    return csv_download(tables.daily_table(report), f"daily-faults-{day.isoformat()}.csv")


@router.get("/reports/service-monthly", response_model=ServiceMonthlyOut)
async def service_monthly(
    month: Month, ctx: ReportsContext, actor: CurrentActor
) -> ServiceMonthlyOut:
    """客服退单统计表: the forms filed in the month."""
    state, rows = await handlers.service_monthly(ctx, periods.parse_month(month), actor)
    return ServiceMonthlyOut(
        month=month,
        state=state.value,
        rows=[service_row(r) for r in rows],
        total=totals_out(monthly.totals(rows)),
    )


@router.get("/reports/service-monthly.csv", response_class=StreamingResponse)
async def service_monthly_csv(
    month: Month, ctx: ReportsContext, actor: CurrentActor
) -> StreamingResponse:
    _, rows = await handlers.service_monthly(ctx, periods.parse_month(month), actor)
    table = tables.service_table(rows, ctx.settings.tz, mask_phone)
    return csv_download(table, f"service-refunds-{month}.csv")


@router.get("/reports/finance-monthly", response_model=FinanceMonthlyOut)
async def finance_monthly(
    month: Month, ctx: ReportsContext, actor: CurrentActor
) -> FinanceMonthlyOut:
    """财务退单统计表: the forms submitted to finance in the month."""
    state, rows = await handlers.finance_monthly(ctx, periods.parse_month(month), actor)
    return FinanceMonthlyOut(
        month=month,
        state=state.value,
        rows=[finance_row(r) for r in rows],
        total=totals_out(monthly.totals(rows)),
    )


@router.get("/reports/finance-monthly.csv", response_class=StreamingResponse)
async def finance_monthly_csv(
    month: Month, ctx: ReportsContext, actor: CurrentActor
) -> StreamingResponse:
    _, rows = await handlers.finance_monthly(ctx, periods.parse_month(month), actor)
    return csv_download(tables.finance_table(rows, ctx.settings.tz), f"finance-refunds-{month}.csv")
