"""Five failures in fifteen minutes lock for a minute; each failure past them doubles it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.gateway.domain.throttle import ThrottlePolicy, retry_after

POLICY = ThrottlePolicy(failures_allowed=5)
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def failures(count: int, latest: datetime = NOW) -> list[datetime]:
    return [latest - timedelta(seconds=i) for i in range(count)]


def test_fewer_failures_than_allowed_never_wait() -> None:
    assert retry_after(POLICY, failures(4), NOW) is None
    assert retry_after(POLICY, [], NOW) is None


def test_the_fifth_failure_locks_for_a_minute_and_each_further_one_doubles_it() -> None:
    assert retry_after(POLICY, failures(5), NOW) == 60
    assert retry_after(POLICY, failures(6), NOW) == 120
    assert retry_after(POLICY, failures(7), NOW) == 240


def test_a_lock_never_outlasts_the_window() -> None:
    assert retry_after(POLICY, failures(40), NOW) == 15 * 60


def test_a_lock_counts_from_the_latest_failure_and_ends() -> None:
    latest = NOW - timedelta(seconds=45)
    assert retry_after(POLICY, failures(5, latest), NOW) == 15
    assert retry_after(POLICY, failures(5, NOW - timedelta(seconds=61)), NOW) is None
