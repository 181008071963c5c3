"""Operations (a void or a reversal): where one stands, and the retry of a failed one."""

from __future__ import annotations

from fastapi import APIRouter

from services.voucher.api.common import (
    OptionalReason,
    VoucherDeps,
    admitted,
    operation_id_of,
    reason_of,
)
from services.voucher.api.views import operation_view
from services.voucher.handlers.retry import retry_operation
from shared.api.voucher import OperationStatusOut, OperationViewOut
from shared.http import CurrentActor, IdempotencyKey

router = APIRouter()


@router.get("/operations/{operation_id}")
async def get_operation(operation_id: str, deps: VoucherDeps) -> OperationViewOut:
    return await operation_view(deps.pool, operation_id_of(operation_id), deps.settings.tz)


@router.post("/operations/{operation_id}/retry")
async def post_retry(
    operation_id: str,
    deps: VoucherDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
    body: OptionalReason = None,
) -> OperationStatusOut:
    operation = operation_id_of(operation_id)
    return await admitted(
        deps,
        lambda: retry_operation(
            deps,
            operation,
            actor=actor,
            reason=reason_of(body),
            idempotency_key=idempotency_key,
        ),
    )
