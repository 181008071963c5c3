"""A top-up's charge at the counter's payment device, as the service tracks it.

The device is an outside system, so it is never called inside a transaction: the
top-up is checked and recorded ``pending`` first, the device is asked with the charge
id as its idempotency key, and the answer is recorded after. What a second request
with the same Idempotency-Key does depends on where the first one got to.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from services.rental.accounts.domain.errors import DeviceFault, PayerAccountShort
from shared.errors import DomainError


class ChargeStatus(StrEnum):
    PENDING = "pending"
    CHARGED = "charged"
    FAILED = "failed"


class Retry(StrEnum):
    RECEIPT = "receipt"
    """Charged: answer the receipt again, take nothing."""
    WAIT = "wait"
    """Another request is at the device with it now: ask again shortly."""
    TAKE_OVER = "take_over"
    """Pending, but its driver went silent past its lease: ask the device again."""
    RESTART = "restart"
    """The device refused, nothing was taken: check the rules again and charge again."""


def charge_id(user_id: str, key: str) -> str:
    """The top-up's id and the device's idempotency key: one per Idempotency-Key, so a
    retry after a lost answer finds the device's earlier success."""
    return f"top-up:{user_id}:{key}"


def on_retry(status: ChargeStatus, lease_until: datetime | None, now: datetime) -> Retry:
    if status is ChargeStatus.CHARGED:
        return Retry.RECEIPT
    if status is ChargeStatus.FAILED:
        return Retry.RESTART
    if lease_until is not None and lease_until > now:
        return Retry.WAIT
    return Retry.TAKE_OVER


def failure_error(failure: str | None, detail: str) -> DomainError:
    """The seed's cause of a refused charge, as the error the agent sees."""
    if failure == "payer_account_short":
        return PayerAccountShort(f"the paying account is short: {detail}")
    return DeviceFault(f"the payment device failed, nothing was charged: {detail}")
