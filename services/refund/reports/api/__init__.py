"""Handovers and reports: internal routes under ``/refunds`` (the gateway's ``/api/v1/refunds``)."""

from fastapi import APIRouter

from services.refund.reports.api.handovers import router as handovers
from services.refund.reports.api.reports import router as reports
from services.refund.reports.api.statistics import router as statistics

router = APIRouter(prefix="/refunds")
for part in (handovers, reports, statistics):
    router.include_router(part)

__all__ = ["router"]
