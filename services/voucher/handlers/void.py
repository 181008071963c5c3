"""Void one voucher (券作废): available → voided at the issuer, then here; retry when it fails.

The issuer call happens between two short transactions, never inside one: the
first records the pending operation (so a crash leaves a trace the timer sweep
finishes), the second records the outcome. Each is shared with the other commands'
steps under way (group commit, ``Deps.steps``).
"""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg

from services.voucher.deps import Deps
from services.voucher.domain.errors import NotRetryable, VoucherNotFound
from services.voucher.domain.model import (
    Failure,
    OperationStatus,
    OperationType,
    Voucher,
    VoucherStatus,
)
from services.voucher.domain.operation import Operation, Outcome
from services.voucher.domain.rules import MayOperate, ReasonGiven, check, void_command_rules
from services.voucher.handlers import idempotency
from services.voucher.handlers.issuer_calls import void_at_issuer
from services.voucher.store import existing, operations, vouchers
from services.voucher.store.operations import outcome_of
from shared import metrics
from shared.http import Actor
from shared.idempotency import Command
from shared.telemetry import current_trace_id, current_traceparent
from shared.unit_of_work import UnitOfWork


async def void_voucher(
    deps: Deps, *, code: str, reason: str | None, actor: Actor, idempotency_key: str | None
) -> Outcome:
    check(MayOperate(actor.roles), ReasonGiven(reason))
    assert reason is not None
    command = Command("void", code, {"reason": reason})

    async def start(uow: UnitOfWork) -> Outcome | UUID:
        conn = uow.conn
        operation_id = uuid4()
        replay = await idempotency.claim(conn, idempotency_key, command, operation_id)
        if replay is not None:
            return replay
        voucher = await _lock_for_void(conn, deps, code)
        await operations.insert(
            conn,
            operation_id=operation_id,
            type=OperationType.VOID,
            merchant_order_no=voucher.merchant_order_no,
            code=code,
            reason=reason.strip(),
            operator=actor.username,
            lease_seconds=deps.lease_seconds,
            traceparent=current_traceparent(),
        )
        return operation_id

    # with the other commands' steps that arrive meanwhile, in one transaction
    started = await deps.steps.run(start)
    if isinstance(started, Outcome):
        return started
    return await attempt_void(deps, started)


async def restart_void(
    uow: UnitOfWork,
    deps: Deps,
    operation: Operation,
    *,
    actor: str,
    reason: str | None,
) -> None:
    """Make a failed void pending again (in the caller's transaction); then attempt_void."""
    conn = uow.conn
    await vouchers.lock_order(conn, operation.merchant_order_no)
    op = existing(await operations.get(conn, operation.operation_id, lock=True), "operation")
    if op.status is not OperationStatus.FAILED or op.failure is not Failure.VOID_FAILED:
        raise NotRetryable(f"a {op.status} void cannot be retried")
    assert op.code is not None  # a void's
    await _lock_for_void(conn, deps, op.code)
    await operations.restart(
        conn,
        op.operation_id,
        attempt=op.attempt + 1,
        reason=(reason or "").strip() or op.reason,
        operator=actor,
        lease_seconds=deps.lease_seconds,
        traceparent=current_traceparent(),
    )


async def _lock_for_void(conn: asyncpg.Connection, deps: Deps, code: str) -> Voucher:
    order_no = await vouchers.order_no_of(conn, code)
    if order_no is None:
        raise VoucherNotFound(f"no voucher {code}")
    existing(await vouchers.lock_order(conn, order_no), "order")
    voucher = existing(await vouchers.lock_voucher(conn, code), "voucher")
    today = deps.today()
    status = voucher.status_on(today)
    order = await vouchers.facts_of_order(conn, order_no, today)
    check(*void_command_rules(status, order, code))
    return voucher


async def attempt_void(deps: Deps, operation_id: UUID) -> Outcome:
    """Ask the issuer, then record the outcome, unless another driver got there first."""
    op = await operations.get(deps.pool, operation_id)
    if op is None or op.status is not OperationStatus.PENDING:
        return await outcome_of(deps.pool, operation_id)
    attempt, code = op.attempt, op.code
    assert code is not None  # a void's
    result = await void_at_issuer(deps.issuer, code, request_id=f"{operation_id}-{attempt}")

    async def record(uow: UnitOfWork) -> tuple[Outcome, bool]:
        conn = uow.conn
        await vouchers.lock_order(conn, op.merchant_order_no)
        now = existing(await operations.get(conn, operation_id, lock=True), "operation")
        if now.status is not OperationStatus.PENDING or now.attempt != attempt:
            return now.outcome, False
        voucher = existing(await vouchers.lock_voucher(conn, code), "voucher")
        failure: Failure | None = None
        if not result.voided:
            failure = Failure.VOID_FAILED
        elif voucher.stored_status is VoucherStatus.USED:
            failure = Failure.VOUCHER_USED  # a store took it before the issuer voided it
        else:
            await vouchers.mark_voided(conn, [code], operation_id)
        status = OperationStatus.FAILED if failure else OperationStatus.SUCCEEDED
        finished = await operations.finish(
            conn, operation_id, status, failure, codes=[code], trace_id=current_trace_id()
        )
        return finished.outcome, True

    outcome, finished_here = await deps.steps.run(record)
    if finished_here:  # counted once it committed
        metrics.operation_finished("void", outcome.status, outcome.failure)
    return outcome
