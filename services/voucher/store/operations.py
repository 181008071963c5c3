"""Operations (void and reversal commands) and their per-voucher records."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.voucher.domain.errors import OperationNotFound
from services.voucher.domain.model import Failure, OperationStatus, OperationType
from services.voucher.domain.operation import Operation, OperationRecord, Outcome
from shared.db import Db, renumbered

FINISHED_CHANNEL = "kefu_voucher_operation"
"""pg_notify channel: an operation reached a final status (payload: its id, then a space
and its outcome as JSON, so a waiter need not read it again; see :func:`outcome_of_notice`)."""

_COLUMNS = (
    "operation_id, type, merchant_order_no, code, status, failure, reason, operator, attempt,"
    " traceparent, created_at, updated_at"
)


def _operation(row: asyncpg.Record) -> Operation:
    return Operation(
        operation_id=row["operation_id"],
        type=OperationType(row["type"]),
        merchant_order_no=row["merchant_order_no"],
        code=row["code"],
        status=OperationStatus(row["status"]),
        failure=Failure(row["failure"]) if row["failure"] else None,
        reason=row["reason"],
        operator=row["operator"],
        attempt=row["attempt"],
        traceparent=row["traceparent"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def insert(
    conn: asyncpg.Connection,
    *,
    operation_id: UUID,
    type: str,
    merchant_order_no: str,
    code: str | None,
    reason: str,
    operator: str,
    lease_seconds: float | None,
    traceparent: str | None,
) -> None:
    await conn.execute(
        "INSERT INTO operations (operation_id, type, merchant_order_no, code, status, reason,"
        " operator, due_at, traceparent)"
        " VALUES ($1, $2, $3, $4, 'pending', $5, $6, now() + make_interval(secs => $7), $8)",
        operation_id,
        type,
        merchant_order_no,
        code,
        reason,
        operator,
        lease_seconds,
        traceparent,
    )


async def get(db: Db, operation_id: UUID, *, lock: bool = False) -> Operation | None:
    sql = f"SELECT {_COLUMNS} FROM operations WHERE operation_id = $1"
    row = await db.fetchrow(sql + (" FOR UPDATE" if lock else ""), operation_id)
    return _operation(row) if row is not None else None


async def outcome_of(db: Db, operation_id: UUID) -> Outcome:
    """Where the operation stands now; 404 ``operation_not_found`` when there is none."""
    operation = await get(db, operation_id)
    if operation is None:
        raise OperationNotFound(f"no operation {operation_id}")
    return operation.outcome


def outcome_of_notice(payload: str) -> Outcome | None:
    """The outcome a notice on ``FINISHED_CHANNEL`` carries; None if it carries only an id."""
    operation_id, _, told = payload.partition(" ")
    if not told:
        return None
    fields = json.loads(told)
    return Outcome(
        UUID(operation_id),
        OperationType(fields["type"]),
        OperationStatus(fields["status"]),
        Failure(fields["failure"]) if fields["failure"] else None,
        fields["merchant_order_no"],
        fields["code"],
    )


async def restart(
    conn: asyncpg.Connection,
    operation_id: UUID,
    *,
    attempt: int,
    reason: str,
    operator: str,
    lease_seconds: float | None,
    traceparent: str | None,
) -> None:
    """Pending again for a new attempt, by whoever retried it and why."""
    await conn.execute(
        "UPDATE operations SET status = 'pending', failure = NULL, attempt = $2, reason = $3,"
        " operator = $4, due_at = now() + make_interval(secs => $5), traceparent = $6,"
        " updated_at = now() WHERE operation_id = $1",
        operation_id,
        attempt,
        reason,
        operator,
        lease_seconds,
        traceparent,
    )


# ``finish``'s work as two CTEs: ``op``, the operation as it now stands, told to the waiters
# (on commit), and its ``records``; parameters $1-$6 are ``finish_args``, the operation's id
# ($1) named only in the WHERE, so that a statement may name it otherwise (``finishing_of``).
_FINISHING = (
    "op AS (UPDATE operations SET status = $2, failure = $3, due_at = NULL,"
    f" updated_at = now() WHERE operation_id = $1 RETURNING {_COLUMNS},"
    " pg_notify($4, operation_id::text || ' ' || json_build_object('type', type,"
    " 'status', status, 'failure', failure, 'merchant_order_no', merchant_order_no,"
    " 'code', code)::text) AS told),"
    " records AS (INSERT INTO operation_records (operation_id, code, type, result, failure,"
    " reason, operator, attempt, trace_id)"
    " SELECT op.operation_id, c.code, op.type, op.status, op.failure, op.reason,"
    " op.operator, op.attempt, $5 FROM op CROSS JOIN LATERAL"
    " (SELECT code, n FROM unnest($6::text[]) WITH ORDINALITY AS c(code, n)"
    "  UNION ALL SELECT v.code, row_number() OVER (ORDER BY v.code) FROM vouchers v"
    "  WHERE $6::text[] IS NULL AND v.merchant_order_no = op.merchant_order_no) c"
    " ORDER BY c.n)"
)
_WHICH = "WHERE operation_id = $1 "
assert _FINISHING.count(_WHICH) == 1 and _FINISHING.count("$1") == 1
_FINISH = "WITH " + _FINISHING + " SELECT * FROM op"


@functools.cache
def finishing(first: int) -> str:
    """``finish``'s CTEs with their parameters numbered from ``$first``: for a statement that
    ends the operation along with other work (a saga's last step)."""
    return renumbered(_FINISHING, first)


@functools.cache
def finishing_of(cte: str, first: int) -> str:
    """:func:`finishing` for the operation whose id the enclosing statement's CTE ``cte``
    holds in its ``operation_id`` (no row: nothing finished, no records, no notice), its
    other parameters (``finish_args`` but the first) numbered from ``$first``."""
    named = _FINISHING.replace(_WHICH, f"WHERE operation_id = (SELECT operation_id FROM {cte}) ")
    return renumbered(named, first - 1)


def finish_args(
    operation_id: UUID,
    status: str,
    failure: str | None,
    *,
    codes: Sequence[str] | None = None,
    trace_id: str | None = None,
) -> tuple[object, ...]:
    """The parameters of ``finishing``, in its order."""
    return (operation_id, *finishing_args(status, failure, codes=codes, trace_id=trace_id))


def finishing_args(
    status: str,
    failure: str | None,
    *,
    codes: Sequence[str] | None = None,
    trace_id: str | None = None,
) -> tuple[object, ...]:
    """The parameters of ``finishing_of``, in its order (``finish_args`` but the id)."""
    return (status, failure, FINISHED_CHANNEL, trace_id, None if codes is None else list(codes))


async def finish(
    conn: asyncpg.Connection,
    operation_id: UUID,
    status: str,
    failure: str | None,
    *,
    codes: Sequence[str] | None = None,
    trace_id: str | None = None,
) -> Operation:
    """The final status, told to the waiters (on commit), with one record per voucher for
    this attempt's outcome (``codes``, in that order; None: every voucher of the
    operation's order, by code), in one statement; the operation as it now stands."""
    row: asyncpg.Record | None = await conn.fetchrow(
        _FINISH,
        *finish_args(operation_id, status, failure, codes=codes, trace_id=trace_id),
    )
    if row is None:
        raise LookupError(f"no operation {operation_id}")
    return _operation(row)


async def claim_stalled_voids(
    conn: asyncpg.Connection, lease_seconds: float, limit: int = 20
) -> list[UUID]:
    """Pending voids whose driver's lease ran out (it crashed): take them over."""
    rows = await conn.fetch(
        "UPDATE operations SET due_at = now() + make_interval(secs => $1)"
        " WHERE operation_id IN (SELECT operation_id FROM operations"
        "  WHERE type = 'void' AND status = 'pending' AND due_at <= now()"
        "  ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " RETURNING operation_id",
        lease_seconds,
        limit,
    )
    return [r["operation_id"] for r in rows]


async def records_of(db: Db, code: str) -> list[OperationRecord]:
    rows = await db.fetch(
        "SELECT operation_no, operation_id, code, type, result, failure, reason, operator,"
        " attempt, trace_id, at FROM operation_records WHERE code = $1 ORDER BY operation_no",
        code,
    )
    return [
        OperationRecord(
            operation_no=r["operation_no"],
            operation_id=r["operation_id"],
            code=r["code"],
            type=OperationType(r["type"]),
            result=OperationStatus(r["result"]),
            failure=Failure(r["failure"]) if r["failure"] else None,
            reason=r["reason"],
            operator=r["operator"],
            attempt=r["attempt"],
            trace_id=r["trace_id"],
            at=r["at"],
        )
        for r in rows
    ]
