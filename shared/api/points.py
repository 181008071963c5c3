"""The points gateway's HTTP answers: a user's points balance and movements.

The points gateway answers with these; the gateway declares them for its OpenAPI document
and passes the service's JSON on as it came.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.api.base import ApiModel
from shared.timestamps import Timestamp


class PointsMovementOut(ApiModel):
    refund_id: str | None
    points: int
    merchant_order_no: str | None
    at: Timestamp
    kind: Literal["refund"]


class PointsOut(ApiModel):
    user_id: str
    balance: int
    movements: list[PointsMovementOut] = Field(description="Newest first")
