"""Retry a failed operation from the step that failed (作废失败 may be retried)."""

from __future__ import annotations

import asyncio
from uuid import UUID

from services.voucher.deps import Deps
from services.voucher.domain.errors import NotRetryable, OperationNotFound
from services.voucher.domain.model import OperationType
from services.voucher.domain.operation import Outcome
from services.voucher.domain.rules import MayOperate, check
from services.voucher.handlers import idempotency, reversal, void
from services.voucher.store import operations, sagas, vouchers
from shared.http import Actor
from shared.idempotency import Command


async def retry_operation(
    deps: Deps,
    operation_id: UUID,
    *,
    actor: Actor,
    reason: str | None,
    idempotency_key: str | None,
) -> Outcome:
    """A failed void is tried again; a failed reversal resumes (voiding, or the refund)."""
    check(MayOperate(actor.roles))
    started_at = asyncio.get_running_loop().time()
    async with deps.unit() as uow:
        conn = uow.conn
        op = await operations.get(conn, operation_id)
        if op is None:
            raise OperationNotFound(f"no operation {operation_id}")
        command = Command("retry", str(operation_id), {"reason": reason})
        replay = await idempotency.claim(conn, idempotency_key, command, operation_id)
        if replay is not None:
            return replay
        if op.type is OperationType.VOID:
            await void.restart_void(uow, deps, op, actor=actor.username, reason=reason)
            saga_id = None
        else:
            await vouchers.lock_order(conn, op.merchant_order_no)
            found = await sagas.of_order(conn, op.merchant_order_no, lock=True)
            if found is None or not found.saga.retryable:
                raise NotRetryable(f"a {op.status} reversal cannot be retried")
            saga_id = await reversal.resume(uow, deps, found, actor=actor.username, reason=reason)
    if saga_id is None:
        return await void.attempt_void(deps, operation_id)
    return await reversal.run(deps, saga_id, operation_id, started_at)
