"""An SMS's life: what to do with a request, what a round over the providers means."""

from __future__ import annotations

import pytest

from services.notify.domain.sms import (
    ProviderCall,
    Round,
    SmsStatus,
    Step,
    Verdict,
    judge,
    next_step,
    provider_order,
)

UNAVAILABLE_A = ProviderCall("a", False, "a: down")
UNAVAILABLE_B = ProviderCall("b", False, "b: down")


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (None, Step.ADMIT),
        (SmsStatus.REJECTED, Step.ADMIT),
        (SmsStatus.QUEUED, Step.RESUME),
        (SmsStatus.SENDING, Step.RESUME),
        (SmsStatus.SENT, Step.DONE),
        (SmsStatus.FAILED, Step.DONE),
    ],
)
def test_one_sms_per_dedupe_key(status: SmsStatus | None, step: Step) -> None:
    assert next_step(status) is step


def test_a_round_accepted_by_the_secondary_is_sent() -> None:
    round_ = Round((UNAVAILABLE_A, ProviderCall("b", True, "b-123")))
    assert judge(round_, attempt=1, max_attempts=3) == (Verdict.SENT, None)
    assert round_.summary() == "a: a: down; b: b-123"


def test_both_unavailable_retries_until_the_last_attempt() -> None:
    round_ = Round((UNAVAILABLE_A, UNAVAILABLE_B))
    assert judge(round_, attempt=1, max_attempts=3) == (Verdict.RETRY, None)
    assert judge(round_, attempt=2, max_attempts=3) == (Verdict.RETRY, None)
    assert judge(round_, attempt=3, max_attempts=3) == (Verdict.FAILED, "providers_unavailable")


def test_a_permanent_refusal_fails_at_once() -> None:
    round_ = Round((ProviderCall("a", False, "no such number", permanent=True),))
    assert judge(round_, attempt=1, max_attempts=5) == (Verdict.FAILED, "provider_rejected")


def test_providers_in_order_unless_a_call_was_cut_off() -> None:
    assert provider_order(["a", "b"], None) == ["a", "b"]
    assert provider_order(["a", "b"], "b") == ["b", "a"]
    assert provider_order(["a", "b"], "gone") == ["a", "b"]
