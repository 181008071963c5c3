from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.rental.domain.tariff import Tariff

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minutes", "cents"),
    [
        (0, 0),
        (2, 0),  # free minutes
        (2.5, 100),
        (30, 100),
        (31, 200),
        (65, 300),
        (600, 2000),  # 20 half hours: the daily cap
        (24 * 60, 2000),
        (24 * 60 + 1, 2100),  # a second day begins
        (48 * 60 + 600, 6000),
    ],
)
def test_charge_per_started_unit_capped_per_day(minutes: float, cents: int) -> None:
    assert Tariff().charge_cents(START, START + timedelta(minutes=minutes)) == cents


def test_an_end_before_the_start_is_an_error() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Tariff().charge_cents(START, START - timedelta(seconds=1))


def test_a_tariff_without_a_unit_is_refused() -> None:
    with pytest.raises(ValueError):
        Tariff(unit_minutes=0)
