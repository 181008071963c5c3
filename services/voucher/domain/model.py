"""Voucher, order and operation vocabulary, and the statuses derived from stored facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.voucher.domain.expiry import is_expired


class VoucherStatus(StrEnum):
    AVAILABLE = "available"
    USED = "used"
    VOIDED = "voided"
    EXPIRED = "expired"
    """An available voucher whose validity ended before today. Stored by the expiry
    sweep; until the sweep reaches it, derived (see :func:`voucher_status`)."""


class Source(StrEnum):
    BUBBLE = "bubble"
    TELECOM_POINTS = "telecom_points"
    E_COUPON = "e_coupon"


class DeductionStatus(StrEnum):
    DEDUCTED = "deducted"
    PENDING = "pending"
    FAILED = "failed"
    REFUNDED = "refunded"


class OrderStatus(StrEnum):
    EXCHANGED = "exchanged"
    REVERSING = "reversing"
    REVERSAL_FAILED = "reversal_failed"
    REVERSED = "reversed"


class OperationType(StrEnum):
    VOID = "void"
    REVERSAL = "reversal"


class OperationStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Failure(StrEnum):
    """The failure causes the seed names: 作废失败 / 作废成功泡泡退回失败 / 有已使用的券."""

    VOID_FAILED = "void_failed"
    POINTS_REFUND_FAILED = "points_refund_failed"
    VOUCHER_USED = "voucher_used"


class Action(StrEnum):
    VOID = "void"
    REVERSE = "reverse"


REVERSIBLE_SOURCES = frozenset({Source.BUBBLE})
"""Only bubble points has a refund interface (seed 000, section 6)."""


def voucher_status(stored: str, valid_to: date, today: date) -> VoucherStatus:
    """The status an agent sees and the rules check: a stored 'available' past its
    validity is expired already, whether or not the sweep has stored that yet."""
    status = VoucherStatus(stored)
    if status is VoucherStatus.AVAILABLE and is_expired(valid_to, today):
        return VoucherStatus.EXPIRED
    return status


@dataclass(frozen=True, slots=True)
class Order:
    """An exchange order, as the commands on it read it."""

    merchant_order_no: str
    user_id: str
    source: Source
    points_deducted: int
    deduction_status: DeductionStatus
    order_status: OrderStatus


@dataclass(frozen=True, slots=True)
class Voucher:
    """A voucher, as the commands on it read it."""

    code: str
    merchant_order_no: str
    stored_status: VoucherStatus
    """As stored: an available voucher past its validity may not be stored as expired yet."""
    valid_to: date

    def status_on(self, today: date) -> VoucherStatus:
        """The status an agent sees and the rules check (:func:`voucher_status`)."""
        return voucher_status(self.stored_status, self.valid_to, today)
