"""Reversal sagas: the current state row, its durable timer, and its history."""

from __future__ import annotations

import functools
from uuid import UUID

import asyncpg

from services.voucher.domain.model import DeductionStatus, Failure, OperationType, OrderStatus
from services.voucher.domain.saga import Reversal, ReversalSaga, SagaState, Transition
from services.voucher.store import operations
from shared.db import Db, renumbered
from shared.messaging import outbox

SELECT = (
    "SELECT s.saga_id, s.operation_id, s.merchant_order_no, s.state, s.failure, s.attempt,"
    " s.refund_attempt, s.created_at, op.reason, op.operator, op.traceparent, o.user_id,"
    " o.points_deducted FROM reversal_sagas s"
    " JOIN operations op ON op.operation_id = s.operation_id"
    " JOIN orders o ON o.merchant_order_no = s.merchant_order_no"
)
"""The saga with what its steps need: the operation (who, why) and the order (whose points),
as :func:`reversal_of` reads it."""


def reversal_of(row: asyncpg.Record) -> Reversal:
    return Reversal(
        saga=ReversalSaga(
            saga_id=row["saga_id"],
            merchant_order_no=row["merchant_order_no"],
            state=SagaState(row["state"]),
            failure=Failure(row["failure"]) if row["failure"] else None,
            attempt=row["attempt"],
            refund_attempt=row["refund_attempt"],
        ),
        operation_id=row["operation_id"],
        reason=row["reason"],
        operator=row["operator"],
        traceparent=row["traceparent"],
        user_id=row["user_id"],
        points=row["points_deducted"],
        started_at=row["created_at"],
    )


async def get(db: Db, saga_id: UUID, *, lock: bool = False) -> Reversal | None:
    """``lock``: the saga's order and then the saga locked, in this statement (the order
    first, as every writer of the order's vouchers takes it). One statement will do here,
    not a lock and then a read, because the saga already exists and its rows read are
    locked: PostgreSQL reads a locked row again at its newest version once the lock is
    granted, so a step another driver committed meanwhile is seen. (A reversal's start
    cannot do the same: a saga inserted while it waited would not be seen at all.)"""
    sql = SELECT + " WHERE s.saga_id = $1"
    row = await db.fetchrow(sql + (" FOR UPDATE OF o, s" if lock else ""), saga_id)
    return reversal_of(row) if row is not None else None


async def of_order(
    conn: asyncpg.Connection, merchant_order_no: str, *, lock: bool = False
) -> Reversal | None:
    sql = SELECT + " WHERE s.merchant_order_no = $1"
    row = await conn.fetchrow(sql + (" FOR UPDATE OF o, s" if lock else ""), merchant_order_no)
    return reversal_of(row) if row is not None else None


def beginning_args(
    started: Transition,
    operation_id: UUID,
    *,
    reason: str,
    operator: str,
    traceparent: str | None,
    due_in: float,
    trace_id: str | None,
) -> tuple[object, ...]:
    """A reversal's beginning as :func:`beginning`'s parameters: its operation (pending),
    the saga with its history row, and its order marked reversing."""
    saga = started.after
    return (
        *_history_args(started, None, trace_id),
        operation_id,
        saga.merchant_order_no,
        due_in,
        OperationType.REVERSAL,
        reason,
        operator,
        traceparent,
        OrderStatus.REVERSING,
    )


def beginning(first: int, when: str) -> str:
    """The CTEs that write a reversal's beginning (:func:`beginning_args`, numbered from
    ``$first``), each only ``when`` (a condition of the enclosing statement, such as "the
    order has no saga yet"): one round trip for the lock, the read and the start."""
    gate = f" WHERE {when}"
    sql = (
        "op AS (INSERT INTO operations (operation_id, type, merchant_order_no, status,"
        " reason, operator, traceparent) SELECT $10, $13, $11, 'pending', $14, $15, $16"
        + gate
        + "), begun AS (INSERT INTO reversal_sagas (saga_id, operation_id, merchant_order_no,"
        " state, attempt, refund_attempt, due_at)"
        " SELECT $1, $10, $11, $4, $6, $7, now() + make_interval(secs => $12)"
        + gate
        + "), reversing AS (UPDATE orders SET order_status = $17 WHERE merchant_order_no = $11"
        f" AND {when}), begun_history AS ("
        + _HISTORY_INTO
        + " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9"
        + gate
        + ")"
    )
    return renumbered(sql, first)


async def save(
    conn: asyncpg.Connection,
    step: Transition,
    *,
    due_in: float | None,
    trace_id: str | None,
    detail: str | None = None,
    order_status: OrderStatus | None = None,
    deduction_status: DeductionStatus | None = None,
    finished: tuple[object, ...] | None = None,
    sends: tuple[object, ...] | None = None,
) -> None:
    """Persist a transition: the new state, its timer (None: no timer), a history row, and
    the order's status when the step changes it (None: unchanged), in one statement; and
    in the same statement the operation's end when the step is the saga's last
    (``finished``: ``operations.finish_args``), and the message the step sends (``sends``:
    ``outbox.outgoing``: the refund request, the customer's note)."""
    args = stepping_args(
        step,
        due_in=due_in,
        trace_id=trace_id,
        detail=detail,
        order_status=order_status,
        deduction_status=deduction_status,
    )
    sql = _saving(len(args), sends is not None, finished is not None)
    if finished is None:
        await conn.execute(sql, *args, *(sends or ()))
        return
    ended = await conn.fetchval(sql, *args, *(sends or ()), *finished)
    if not ended:
        raise LookupError(f"no operation {finished[0]}")


@functools.cache
def _saving(given: int, sends: bool, finished: bool) -> str:
    """The statement of :func:`save`: its own ``given`` parameters first, then the outbox
    row's, then the operation's end's (a round trip fewer for each)."""
    parts = [_SAVE]
    if sends:
        parts.append(outbox.queueing(given + 1))
        given += outbox.OUTGOING_PARAMETERS
    if finished:
        parts.append(operations.finishing(given + 1))
    return ", ".join(parts) + _HISTORY + (_ENDED if finished else "")


_SAVE = (
    "WITH saga AS (UPDATE reversal_sagas SET state = $4, failure = $5, attempt = $6,"
    " refund_attempt = $7, due_at = now() + make_interval(secs => $10), updated_at = now()"
    " WHERE saga_id = $1),"
    " ordered AS (UPDATE orders SET order_status = $11,"
    " deduction_status = coalesce($12, deduction_status)"
    " WHERE merchant_order_no = $13 AND $11::text IS NOT NULL)"
)
_ENDED = " RETURNING (SELECT count(*) FROM op)"


async def lock_and_step(
    conn: asyncpg.Connection,
    before: ReversalSaga,
    user_id: str,
    stepping: tuple[object, ...],
    *,
    sends: bool,
    finished: bool,
) -> tuple[Reversal | None, bool]:
    """The saga locked (its order first) and, in the same statement, a step the caller built
    from the saga as it expects it (``before``, of the order of ``user_id``), taken only if
    the saga, locked, stands exactly so (``stepping``: :func:`stepping_args`; ``sends``,
    ``finished``: as :func:`stepping`). The saga as it stood when locked (None: none), and
    whether the step was taken; if not, nothing of it was written."""
    row = await conn.fetchrow(
        _locking_and_stepping(sends, finished),
        before.saga_id,
        before.state.value,
        before.failure.value if before.failure else None,
        before.attempt,
        before.refund_attempt,
        before.merchant_order_no,
        user_id,
        *stepping,
    )
    if row is None:
        return None, False
    return reversal_of(row), row["stepped"]


@functools.cache
def _locking_and_stepping(sends: bool, finished: bool) -> str:
    return (
        f"WITH saga AS ({SELECT} WHERE s.saga_id = $1 FOR UPDATE OF o, s),"
        " go AS (SELECT operation_id FROM saga WHERE state = $2"
        " AND failure IS NOT DISTINCT FROM $3::text AND attempt = $4 AND refund_attempt = $5"
        f" AND merchant_order_no = $6 AND user_id = $7), {stepping(8, sends, finished)}"
        " SELECT saga.*, EXISTS (SELECT FROM go) AS stepped FROM saga"
    )


def stepping_args(
    step: Transition,
    *,
    due_in: float | None,
    trace_id: str | None,
    sends: tuple[object, ...] | None = None,
    finished: tuple[object, ...] | None = None,
    detail: str | None = None,
    order_status: OrderStatus | None = None,
    deduction_status: DeductionStatus | None = None,
) -> tuple[object, ...]:
    """The parameters of :func:`stepping`, in its order (and :func:`save`'s own first
    thirteen): ``sends`` as ``outbox.outgoing`` gives them, ``finished`` as
    ``operations.finishing_args`` (the operation named by the statement, not a parameter)."""
    return (
        *_history_args(step, detail, trace_id),
        due_in,
        order_status,
        deduction_status,
        step.after.merchant_order_no,
        *(sends or ()),
        *(finished or ()),
    )


@functools.cache
def stepping(first: int, sends: bool, finished: bool) -> str:
    """:func:`save`'s work as CTEs for a larger statement, done only if that statement's CTE
    ``go`` has a row: the statement that locks the saga decides, under that lock, whether
    this step is still the one to take. With the message the step sends (``sends``) and the
    operation's end (``finished``: the operation ``go``'s ``operation_id`` names). Its
    parameters, :func:`stepping_args`, numbered from ``$first``."""
    parts = [renumbered(_STEPPING, first)]
    given = first + 13
    if sends:
        parts.append(outbox.queueing(given, when=_GO))
        given += outbox.OUTGOING_PARAMETERS
    if finished:
        parts.append(operations.finishing_of("go", given))
    return ", ".join(parts)


_GO = "EXISTS (SELECT FROM go)"
_STEPPING = (
    "stepped AS (UPDATE reversal_sagas SET state = $4, failure = $5, attempt = $6,"
    " refund_attempt = $7, due_at = now() + make_interval(secs => $10), updated_at = now()"
    f" WHERE saga_id = $1 AND {_GO}),"
    " reordered AS (UPDATE orders SET order_status = $11,"
    " deduction_status = coalesce($12, deduction_status)"
    f" WHERE merchant_order_no = $13 AND $11::text IS NOT NULL AND {_GO}),"
    " logged AS (INSERT INTO reversal_saga_history (saga_id, event, from_state, to_state,"
    " failure, attempt, refund_attempt, detail, trace_id)"
    f" SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE {_GO})"
)


# The history row of a transition, in the same statement as the saga's own row (one round
# trip per step): parameters $1-$9 are _history_args.
_HISTORY_INTO = (
    " INSERT INTO reversal_saga_history (saga_id, event, from_state, to_state, failure,"
    " attempt, refund_attempt, detail, trace_id)"
)
_HISTORY = _HISTORY_INTO + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"


def _history_args(step: Transition, detail: str | None, trace_id: str | None) -> tuple[object, ...]:
    saga = step.after
    return (
        saga.saga_id,
        step.event,
        step.before.state.value if step.before else None,
        saga.state.value,
        saga.failure.value if saga.failure else None,
        saga.attempt,
        saga.refund_attempt,
        detail,
        trace_id,
    )


async def claim_stalled(
    conn: asyncpg.Connection, lease_seconds: float, limit: int = 20
) -> list[UUID]:
    """Voiding sagas whose driver's lease ran out (it crashed): take them over."""
    rows = await conn.fetch(
        "UPDATE reversal_sagas SET due_at = now() + make_interval(secs => $1)"
        " WHERE saga_id IN (SELECT saga_id FROM reversal_sagas"
        "  WHERE state = 'voiding' AND due_at <= now()"
        "  ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " RETURNING saga_id",
        lease_seconds,
        limit,
    )
    return [r["saga_id"] for r in rows]


async def lock_overdue_refunds(conn: asyncpg.Connection, limit: int = 100) -> list[Reversal]:
    """Sagas still waiting for the points gateway past their timer, locked for this sweep."""
    rows = await conn.fetch(
        SELECT + " WHERE s.state = 'refund_requested' AND s.due_at <= now()"
        " ORDER BY s.due_at LIMIT $1 FOR UPDATE OF s SKIP LOCKED",
        limit,
    )
    return [reversal_of(r) for r in rows]
