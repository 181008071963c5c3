"""Points balances, from the points gateway."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.gateway.api.models import errors
from services.gateway.calls import Call
from shared.api.points import PointsOut

router = APIRouter(tags=["points"])


@router.get(
    "/api/v1/users/{user_id}/points",
    responses={200: {"model": PointsOut}, **errors(401, 403, 503)},
)
async def user_points(
    user_id: str,
    call: Call,
    limit: Annotated[int | None, Query(description="Movements to show, newest first")] = None,
) -> Response:
    """The user's bubble-points balance and movements."""
    return await call.forward()
