"""What a repeated top-up request does, by where the first one got to (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.rental.accounts.domain.errors import DeviceFault, PayerAccountShort
from services.rental.accounts.domain.topup_charge import (
    ChargeStatus,
    Retry,
    charge_id,
    failure_error,
    on_retry,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "lease_until", "expected"),
    [
        (ChargeStatus.CHARGED, None, Retry.RECEIPT),
        (ChargeStatus.FAILED, None, Retry.RESTART),
        (ChargeStatus.PENDING, NOW + timedelta(seconds=1), Retry.WAIT),
        (ChargeStatus.PENDING, NOW, Retry.TAKE_OVER),
        (ChargeStatus.PENDING, NOW - timedelta(seconds=1), Retry.TAKE_OVER),
        (ChargeStatus.PENDING, None, Retry.TAKE_OVER),
    ],
)
def test_a_retry_answers_takes_over_waits_or_charges_again(
    status: ChargeStatus, lease_until: datetime | None, expected: Retry
) -> None:
    assert on_retry(status, lease_until, NOW) is expected


def test_the_charge_id_is_one_per_customer_and_key() -> None:
    assert charge_id("u1", "k1") == charge_id("u1", "k1") == "top-up:u1:k1"
    assert charge_id("u1", "k2") != charge_id("u1", "k1") != charge_id("u2", "k1")


def test_a_refused_charge_keeps_the_seeds_cause() -> None:
    short = failure_error("payer_account_short", "insufficient funds")
    assert isinstance(short, PayerAccountShort) and short.status == 402
    assert "insufficient funds" in short.message
    fault = failure_error("device_fault", "POS offline")
    assert isinstance(fault, DeviceFault) and fault.status == 502
    assert isinstance(failure_error(None, ""), DeviceFault)
