"""Orders: the reversal (订单返销) of a whole order."""

from __future__ import annotations

from fastapi import APIRouter

from services.voucher.api.common import OptionalReason, VoucherDeps, admitted, reason_of
from services.voucher.handlers.reversal import start_reversal
from shared.api.voucher import OperationStatusOut
from shared.direct_routes import answered_directly
from shared.http import CurrentActor, IdempotencyKey

router = APIRouter()


@router.post("/orders/{merchant_order_no}/reversal")
@answered_directly  # the busiest command: past FastAPI's routing (shared/direct_routes.py)
async def post_reversal(
    merchant_order_no: str,
    deps: VoucherDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
    body: OptionalReason = None,
) -> OperationStatusOut:
    return await admitted(
        deps,
        lambda: start_reversal(
            deps,
            merchant_order_no=merchant_order_no,
            reason=reason_of(body),
            actor=actor,
            idempotency_key=idempotency_key,
        ),
    )
