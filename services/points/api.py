"""The points gateway's internal HTTP API (the gateway calls it for agents)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.points import handlers
from services.points.adapters.provider import PointsProvider
from shared.api.points import PointsMovementOut, PointsOut
from shared.http import CurrentActor
from shared.platform import Platform

router = APIRouter()


@router.get("/users/{user_id}/points", response_model=PointsOut)
async def user_points(
    user_id: str,
    request: Request,
    _actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=500, description="How many movements, newest first")] = 50,
) -> PointsOut:
    provider: PointsProvider = request.app.state.provider
    account = await handlers.user_points(provider, user_id, limit)
    return PointsOut(
        user_id=account.user_id,
        balance=account.balance,
        movements=[
            PointsMovementOut(
                refund_id=m.refund_id,
                points=m.points,
                merchant_order_no=m.merchant_order_no,
                at=m.at,
                kind="refund",
            )
            for m in account.movements
        ],
    )


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    platform: Platform = request.app.state.platform
    report: dict[str, Any] = await platform.health()
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
