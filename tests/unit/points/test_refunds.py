"""The points gateway's refund rules, without a broker or database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.points.domain.refunds import (
    MAX_REFUND_POINTS,
    InvalidRefund,
    NextStep,
    ProviderAnswer,
    RefundConflict,
    RefundRequest,
    next_step,
    settle,
)

T0 = datetime(2019, 1, 5, 10, 0, tzinfo=UTC)


def request(**changes: object) -> RefundRequest:
    base = RefundRequest(
        refund_id="R1",
        merchant_order_no="M1",
        user_id="U1",
        points=2000,
        reason="customer asked",
        requested_by="agent",
        attempt=1,
        requested_at=T0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_new_refund_asks_the_provider() -> None:
    assert next_step(None, request()) is NextStep.ASK_PROVIDER


def test_a_succeeded_refund_is_answered_again_without_the_provider() -> None:
    done = settle(None, request(), ProviderAnswer(applied=True), T0)
    assert done.status == "succeeded" and done.failure is None
    assert next_step(done, request(attempt=2)) is NextStep.ANSWER_AGAIN


def test_a_failed_refund_is_asked_again_and_can_succeed() -> None:
    failed = settle(None, request(), ProviderAnswer(applied=False, failure="provider down"), T0)
    assert (failed.status, failed.failure, failed.provider_calls) == ("failed", "provider down", 1)
    assert next_step(failed, request(attempt=2)) is NextStep.ASK_PROVIDER
    later = T0 + timedelta(minutes=5)
    retried = settle(failed, request(attempt=2), ProviderAnswer(applied=True), later)
    assert (retried.status, retried.failure) == ("succeeded", None)
    assert (retried.provider_calls, retried.last_attempt, retried.completed_at) == (2, 2, later)
    assert retried.requested_at == T0  # the first request stays on record


def test_a_refusal_without_words_still_says_why() -> None:
    failed = settle(None, request(), ProviderAnswer(applied=False), T0)
    assert (failed.status, failed.failure) == ("failed", "refused by the points provider")


def test_an_older_attempt_arriving_late_keeps_the_latest_attempt() -> None:
    failed = settle(None, request(attempt=3), ProviderAnswer(applied=False, failure="x"), T0)
    again = settle(failed, request(attempt=2), ProviderAnswer(applied=False, failure="x"), T0)
    assert again.last_attempt == 3


@pytest.mark.parametrize(
    "changes",
    [{"user_id": "U2"}, {"points": 1999}, {"merchant_order_no": "M2"}],
)
def test_one_refund_id_means_one_refund(changes: dict[str, object]) -> None:
    done = settle(None, request(), ProviderAnswer(applied=True), T0)
    with pytest.raises(RefundConflict) as caught:
        next_step(done, request(**changes))
    assert caught.value.code == "refund_conflict"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"user_id": " "}, "user_required"),
        ({"merchant_order_no": ""}, "order_required"),
        ({"points": 0}, "points_out_of_range"),
        ({"points": MAX_REFUND_POINTS + 1}, "points_out_of_range"),
    ],
)
def test_invalid_requests_are_refused(changes: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidRefund) as caught:
        next_step(None, request(**changes))
    assert caught.value.code == code
