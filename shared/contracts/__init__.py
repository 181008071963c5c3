"""Wire contracts: every topic, its payload model and its key, defined once."""

from shared.contracts.base import Contract, Topic
from shared.contracts.notify import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_FAILED,
    NOTIFY_SMS_REQUESTED,
    NOTIFY_SMS_SENT,
    InappRequested,
    SmsFailed,
    SmsRequested,
    SmsSent,
)
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
    NOTIFY_SMS_REQUESTED,
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_SENT,
    NOTIFY_SMS_FAILED,
)

__all__ = [
    "NOTIFY_INAPP_REQUESTED",
    "NOTIFY_SMS_FAILED",
    "NOTIFY_SMS_REQUESTED",
    "NOTIFY_SMS_SENT",
    "POINTS_REVERSAL_REQUESTED",
    "POINTS_REVERSAL_RESULT",
    "TOPICS",
    "VOUCHER_ISSUED",
    "VOUCHER_REDEEMED",
    "Contract",
    "InappRequested",
    "IssuedVoucher",
    "PointsReversalRequested",
    "PointsReversalResult",
    "SmsFailed",
    "SmsRequested",
    "SmsSent",
    "Topic",
    "VoucherIssued",
    "VoucherRedeemed",
]
