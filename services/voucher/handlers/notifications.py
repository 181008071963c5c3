"""What the voucher service tells customers: it asks the notify service (through the outbox,
in the transaction that records what it tells), never sends itself."""

from __future__ import annotations

from services.voucher.domain.saga import ReversalSaga
from shared.contracts import InappRequested

POINTS_REFUNDED = "points_refunded"
"""The notify service's template (see its README), which needs merchant_order_no and points:
您的订单{merchant_order_no}已返销，{points}泡泡积分已退回您的账户。"""


def points_refunded(saga: ReversalSaga, *, user_id: str, points: int) -> InappRequested:
    """The customer's in-app note that a reversal gave their points back.

    The dedupe key is the saga's: one note per reversal however often the points
    answer arrives or the outbox relays it again.
    """
    return InappRequested(
        recipient=user_id,
        recipient_kind="user",
        template_id=POINTS_REFUNDED,
        params={"merchant_order_no": saga.merchant_order_no, "points": points},
        dedupe_key=f"reversal-{saga.saga_id}-points-refunded",
        requested_by="voucher",
    )
