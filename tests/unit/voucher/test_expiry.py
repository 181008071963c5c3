"""When a voucher expires, the day the expiry sweep takes as today, and when it runs next."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.voucher.domain.expiry import (
    business_day,
    is_expired,
    next_midnight,
    next_sweep_at,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        (datetime(2019, 1, 28, 15, 59, 59, tzinfo=UTC), date(2019, 1, 28)),  # 23:59:59 there
        (datetime(2019, 1, 28, 16, 0, tzinfo=UTC), date(2019, 1, 29)),  # midnight there
        (datetime(2019, 1, 29, 0, 30, tzinfo=UTC), date(2019, 1, 29)),
    ],
)
def test_today_is_the_business_time_zones_day_not_utcs(utc: datetime, day: date) -> None:
    assert business_day(utc, SHANGHAI) == day


def test_a_naive_time_has_no_business_day() -> None:
    with pytest.raises(ValueError):
        business_day(datetime(2019, 1, 28, 12, 0), SHANGHAI)  # noqa: DTZ001


@pytest.mark.parametrize(
    ("valid_to", "expired"),
    [(date(2019, 1, 30), False), (date(2019, 1, 29), False), (date(2019, 1, 28), True)],
)
def test_a_voucher_is_usable_through_its_last_day(valid_to: date, expired: bool) -> None:
    assert is_expired(valid_to, today=date(2019, 1, 29)) is expired


def test_next_midnight_is_local() -> None:
    now = datetime(2019, 1, 28, 15, 58, tzinfo=UTC)  # 23:58 in Shanghai
    assert next_midnight(now, SHANGHAI) == datetime(2019, 1, 29, tzinfo=SHANGHAI)
    assert next_midnight(now, SHANGHAI) == datetime(2019, 1, 28, 16, 0, tzinfo=UTC)


def test_during_the_day_the_sweep_runs_every_few_minutes() -> None:
    now = datetime(2019, 1, 28, 10, 0, tzinfo=SHANGHAI)
    assert next_sweep_at(now, SHANGHAI, EVERY) == now + EVERY


def test_just_before_midnight_the_sweep_runs_at_midnight() -> None:
    now = datetime(2019, 1, 28, 23, 58, 30, tzinfo=SHANGHAI)
    at = next_sweep_at(now, SHANGHAI, EVERY)
    assert at == datetime(2019, 1, 29, tzinfo=SHANGHAI)
    assert business_day(at, SHANGHAI) == date(2019, 1, 29)  # a day's vouchers expired by then


def test_a_utc_clock_is_read_in_the_business_time_zone() -> None:
    now = datetime(2019, 1, 28, 15, 57, tzinfo=UTC)  # 23:57 in Shanghai, not UTC midday
    assert next_sweep_at(now, SHANGHAI, EVERY) == datetime(2019, 1, 28, 16, 0, tzinfo=UTC)


def test_at_midnight_the_next_run_is_a_full_interval_away() -> None:
    now = datetime(2019, 1, 29, tzinfo=SHANGHAI)
    assert next_sweep_at(now, SHANGHAI, EVERY) == now + EVERY


@pytest.mark.parametrize("every", [timedelta(0), timedelta(seconds=-1)])
def test_the_interval_must_be_positive(every: timedelta) -> None:
    with pytest.raises(ValueError):
        next_sweep_at(datetime(2019, 1, 28, tzinfo=SHANGHAI), SHANGHAI, every)
