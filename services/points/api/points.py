"""A user's bubble points: the balance and latest movements, as the provider's books show."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.points.deps import Deps
from services.points.handlers import accounts
from shared.api.points import PointsMovementOut, PointsOut
from shared.http import CurrentActor

router = APIRouter()


@router.get("/users/{user_id}/points", response_model=PointsOut)
async def user_points(
    user_id: str,
    request: Request,
    _actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=500, description="How many movements, newest first")] = 50,
) -> PointsOut:
    deps: Deps = request.app.state.deps
    account = await accounts.user_points(deps, user_id, limit)
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
