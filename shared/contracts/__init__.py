"""Wire contracts: every topic, its payload model and its key, defined once."""

from shared.contracts.base import Contract, Topic
from shared.contracts.points import (
    POINTS_REVERSAL_REQUESTED,
    POINTS_REVERSAL_RESULT,
    PointsReversalRequested,
    PointsReversalResult,
)
from shared.contracts.voucher import (
    VOUCHER_ISSUED,
    VOUCHER_REDEEMED,
    IssuedVoucher,
    VoucherIssued,
    VoucherRedeemed,
)

TOPICS: tuple[Topic, ...] = (  # type: ignore[type-arg]
    VOUCHER_ISSUED,
    VOUCHER_REDEEMED,
    POINTS_REVERSAL_REQUESTED,
    POINTS_REVERSAL_RESULT,
)

__all__ = [
    "POINTS_REVERSAL_REQUESTED",
    "POINTS_REVERSAL_RESULT",
    "TOPICS",
    "VOUCHER_ISSUED",
    "VOUCHER_REDEEMED",
    "Contract",
    "IssuedVoucher",
    "PointsReversalRequested",
    "PointsReversalResult",
    "Topic",
    "VoucherIssued",
    "VoucherRedeemed",
]
