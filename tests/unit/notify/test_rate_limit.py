"""The per-phone SMS rate limit: a sliding window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notify.domain.errors import RateLimited
from services.notify.domain.rate_limit import RateLimit, check_rate

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LIMIT = RateLimit(5, timedelta(minutes=10))


def ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_below_the_limit_passes() -> None:
    check_rate("138****0000", ago(1, 2, 3, 4), NOW, LIMIT)


def test_at_the_limit_the_next_is_refused_with_when_it_may_go() -> None:
    with pytest.raises(RateLimited) as caught:
        check_rate("138****0000", ago(1, 2, 3, 4, 9), NOW, LIMIT)
    assert caught.value.code == "rate_limited" and caught.value.status == 429
    # the oldest of the five (9 minutes ago) leaves the window in one minute
    assert (NOW + timedelta(minutes=1)).isoformat(timespec="seconds") in caught.value.message
    assert "138****0000" in caught.value.message and "10 minutes" in caught.value.message


def test_sends_outside_the_window_do_not_count() -> None:
    check_rate("p", ago(1, 2, 3, 4, 10, 11, 30), NOW, LIMIT)


def test_the_window_slides() -> None:
    sends = ago(1, 2, 3, 4, 9.5)
    with pytest.raises(RateLimited):
        check_rate("p", sends, NOW, LIMIT)
    check_rate("p", sends, NOW + timedelta(minutes=0.6), LIMIT)


def test_a_limit_needs_a_positive_count_and_window() -> None:
    with pytest.raises(ValueError):
        RateLimit(0, timedelta(minutes=1))
    with pytest.raises(ValueError):
        RateLimit(1, timedelta(0))
