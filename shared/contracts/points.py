"""Contracts between the voucher service and the points gateway."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.contracts.base import Contract, Topic
from shared.timestamps import UtcTimestamp


class PointsReversalRequested(Contract):
    """Give an order's deducted points back to the user at their source."""

    refund_id: str = Field(min_length=1, max_length=128)
    """Stable per reversal: the points gateway applies one refund per id, ever."""
    merchant_order_no: str
    user_id: str
    source: Literal["bubble"]
    points: int = Field(gt=0)
    reason: str = Field(min_length=1)
    requested_by: str
    attempt: int = Field(default=1, ge=1)


class PointsReversalResult(Contract):
    refund_id: str
    merchant_order_no: str
    user_id: str
    points: int
    status: Literal["succeeded", "failed"]
    failure: str | None = None
    """Why the provider refused, in its words, when status is failed."""
    attempt: int = 1
    completed_at: UtcTimestamp


POINTS_REVERSAL_REQUESTED = Topic(
    "points.reversal.requested.v1",
    PointsReversalRequested,
    key="merchant_order_no",
    summary="The voucher service asks the points gateway to refund an order's points.",
    producer="voucher",
)
POINTS_REVERSAL_RESULT = Topic(
    "points.reversal.result.v1",
    PointsReversalResult,
    key="merchant_order_no",
    summary="The points gateway's answer to a reversal request.",
    producer="points",
)
