"""A seller's after-sales service quality, by month (服务质量监控、评价)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from services.refund.aftersales.api.common import AftersalesContext
from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain.errors import NotSellerStaff
from services.refund.aftersales.domain.quality import rate
from services.refund.aftersales.domain.tickets import SYSTEM_ACTOR
from services.refund.aftersales.store import sellers as seller_store
from services.refund.aftersales.store import tickets as store
from services.refund.domain import periods
from shared.api.aftersales import QualityOut
from shared.http import CurrentActor

router = APIRouter(tags=["aftersales quality"])


@router.get("/sellers/{seller_id}/quality", response_model=QualityOut)
async def seller_quality(
    seller_id: str,
    ctx: AftersalesContext,
    actor: CurrentActor,
    month: Annotated[str, Query(description="YYYY-MM, the tickets opened that month")],
) -> QualityOut:
    permissions.require(
        actor.roles,
        permissions.SELLER_STAFF | permissions.ACTIVATION_REVIEWERS,
        "reading service quality",
    )
    # a seller's staff read their own sellers' figures, not a competitor's
    platform = permissions.ACTIVATION_REVIEWERS & actor.roles
    if not platform and seller_id not in await seller_store.sellers_served_by(
        ctx.pool, actor.username
    ):
        raise NotSellerStaff(f"{actor.username} does not serve seller {seller_id}")
    start, end = periods.month_bounds(periods.parse_month(month), ctx.settings.tz)
    figures = await store.quality(ctx.pool, seller_id, start, end, SYSTEM_ACTOR)
    rating = rate(figures)
    return QualityOut(
        seller_id=seller_id,
        month=month,
        **asdict(figures),
        on_time_percent=rating.on_time_percent,
        overdue_percent=rating.overdue_percent,
        grade=rating.grade,
    )
