"""A point refund: one per ``refund_id``, ever; asked of the provider until it succeeds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Literal

from shared.errors import DomainError

RefundStatus = Literal["succeeded", "failed"]

MAX_REFUND_POINTS = 1_000_000_000
"""Far above any exchange order (a few thousand points): more is a bug upstream, not a refund."""


class InvalidRefund(DomainError):
    status = 422
    code = "invalid_refund"


class RefundConflict(DomainError):
    """The refund id was first asked for with other terms: refusing keeps one meaning per id."""

    code = "refund_conflict"


@dataclass(frozen=True)
class RefundRequest:
    """Give ``points`` back to ``user_id`` for ``merchant_order_no``."""

    refund_id: str
    merchant_order_no: str
    user_id: str
    points: int
    reason: str
    requested_by: str
    attempt: int
    requested_at: datetime


@dataclass(frozen=True)
class PointRefund:
    """What became of a refund id: its terms, first request, and latest outcome."""

    refund_id: str
    merchant_order_no: str
    user_id: str
    points: int
    status: RefundStatus
    failure: str | None
    provider_calls: int
    last_attempt: int
    reason: str
    requested_by: str
    requested_at: datetime
    completed_at: datetime


class NextStep(Enum):
    ASK_PROVIDER = "ask_provider"
    ANSWER_AGAIN = "answer_again"
    """Already succeeded: answer succeeded again and move no points."""


@dataclass(frozen=True)
class ProviderAnswer:
    """The provider's word on one refund call: applied (now or before), or refused and why."""

    applied: bool
    failure: str | None = None


def check_request(request: RefundRequest) -> None:
    """The named rules a refund request must pass; a broken one can never be applied."""
    if not request.user_id.strip():
        raise InvalidRefund("a refund needs the user whose points it returns", code="user_required")
    if not request.merchant_order_no.strip():
        raise InvalidRefund("a refund needs its merchant order number", code="order_required")
    if not 0 < request.points <= MAX_REFUND_POINTS:
        raise InvalidRefund(
            f"{request.points} points is outside 1..{MAX_REFUND_POINTS}", code="points_out_of_range"
        )


def same_terms(refund: PointRefund, request: RefundRequest) -> bool:
    return (refund.merchant_order_no, refund.user_id, refund.points) == (
        request.merchant_order_no,
        request.user_id,
        request.points,
    )


def next_step(refund: PointRefund | None, request: RefundRequest) -> NextStep:
    """Ask the provider unless the refund already succeeded (then only answer again)."""
    check_request(request)
    if refund is None:
        return NextStep.ASK_PROVIDER
    if not same_terms(refund, request):
        raise RefundConflict(
            f"refund {refund.refund_id} was asked for {refund.points} points to user"
            f" {refund.user_id} on order {refund.merchant_order_no}; this request differs"
        )
    if refund.status == "succeeded":
        return NextStep.ANSWER_AGAIN
    return NextStep.ASK_PROVIDER


def settle(
    refund: PointRefund | None, request: RefundRequest, answer: ProviderAnswer, now: datetime
) -> PointRefund:
    """The refund after the provider answered ``request``."""
    status: RefundStatus = "succeeded" if answer.applied else "failed"
    failure = None if answer.applied else (answer.failure or "refused by the points provider")
    if refund is None:
        return PointRefund(
            refund_id=request.refund_id,
            merchant_order_no=request.merchant_order_no,
            user_id=request.user_id,
            points=request.points,
            status=status,
            failure=failure,
            provider_calls=1,
            last_attempt=request.attempt,
            reason=request.reason,
            requested_by=request.requested_by,
            requested_at=request.requested_at,
            completed_at=now,
        )
    return replace(
        refund,
        status=status,
        failure=failure,
        provider_calls=refund.provider_calls + 1,
        last_attempt=max(refund.last_attempt, request.attempt),
        completed_at=now,
    )
