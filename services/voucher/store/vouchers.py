"""Orders and vouchers: bulk ingest, row locks, status changes.

Lock order, everywhere: the order row first, then its saga, then its vouchers
by code. Two commands on one order then queue instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from uuid import UUID

import asyncpg

from services.voucher.domain.model import (
    DeductionStatus,
    Order,
    OrderStatus,
    Source,
    Voucher,
    VoucherStatus,
    voucher_status,
)
from services.voucher.domain.rules import OrderFacts
from services.voucher.domain.saga import Reversal, SagaState
from services.voucher.store import sagas
from shared import idempotency
from shared.contracts import VoucherIssued
from shared.db import renumbered
from shared.db.json_rows import json_rows


async def insert_exchanges(conn: asyncpg.Connection, orders: Sequence[VoucherIssued]) -> set[str]:
    """Insert the orders not seen before and their vouchers, in one statement; return the
    new orders' numbers. The vouchers of an order seen before are not touched."""
    rows = await conn.fetch(
        "WITH o AS (SELECT * FROM json_to_recordset($1::json) AS o(merchant_order_no text,"
        " user_id text, phone text, source text, points_deducted int, deduction_status text,"
        " exchanged_at timestamptz, vouchers json)),"
        " new AS (INSERT INTO orders (merchant_order_no, user_id, phone, source,"
        " points_deducted, deduction_status, exchanged_at)"
        " SELECT merchant_order_no, user_id, phone, source, points_deducted, deduction_status,"
        " exchanged_at FROM o"
        " ON CONFLICT (merchant_order_no) DO NOTHING RETURNING merchant_order_no),"
        " issued AS (INSERT INTO vouchers (code, merchant_order_no, user_id, phone, source,"
        " exchanged_at, face_value, valid_from, valid_to)"
        " SELECT v.code, o.merchant_order_no, o.user_id, o.phone, o.source, o.exchanged_at,"
        " v.face_value, v.valid_from, v.valid_to FROM new JOIN o USING (merchant_order_no)"
        " CROSS JOIN LATERAL json_to_recordset(o.vouchers)"
        " AS v(code text, face_value numeric, valid_from date, valid_to date))"
        " SELECT merchant_order_no FROM new",
        json_rows(orders),
    )
    return {r["merchant_order_no"] for r in rows}


async def order_no_of(conn: asyncpg.Connection, code: str) -> str | None:
    found: str | None = await conn.fetchval(
        "SELECT merchant_order_no FROM vouchers WHERE code = $1", code
    )
    return found


_ORDER = (
    "SELECT merchant_order_no, user_id, source, points_deducted, deduction_status,"
    " order_status FROM orders WHERE merchant_order_no = $1"
)


async def lock_order(conn: asyncpg.Connection, merchant_order_no: str) -> Order | None:
    row = await conn.fetchrow(_ORDER + " FOR UPDATE", merchant_order_no)
    return _order(row) if row is not None else None


async def lock_order_claiming(
    conn: asyncpg.Connection, merchant_order_no: str, claim: tuple[object, ...]
) -> tuple[bool, Order | None]:
    """A command's Idempotency-Key claimed (``claim``: ``idempotency.claim_args``), then the
    order locked, in one statement: whether the key is now ours (if not,
    ``idempotency.claimed_before`` says whose it is), and the order (None if there is none).

    The key first, as a claim apart and then the lock would: the order's lock is taken in
    a subquery that reads the claim's outcome, so it runs after it."""
    row = await conn.fetchrow(_CLAIMING_ORDER, merchant_order_no, *claim)
    assert row is not None  # one row, whatever was claimed or found
    order = _order(row) if row["merchant_order_no"] is not None else None
    return bool(row["claimed"]), order


_CLAIMING_ORDER = (
    f"WITH claimed AS ({renumbered(idempotency.CLAIM, 2)} RETURNING 1)"
    " SELECT c.claimed, o.* FROM (SELECT count(*) AS claimed FROM claimed) c"
    f" LEFT JOIN LATERAL ({_ORDER} AND c.claimed >= 0 FOR UPDATE) o ON true"
)


def _order(row: asyncpg.Record) -> Order:
    return Order(
        merchant_order_no=row["merchant_order_no"],
        user_id=row["user_id"],
        source=Source(row["source"]),
        points_deducted=row["points_deducted"],
        deduction_status=DeductionStatus(row["deduction_status"]),
        order_status=OrderStatus(row["order_status"]),
    )


_VOUCHER = "SELECT code, merchant_order_no, status, valid_to FROM vouchers"


def _voucher(row: asyncpg.Record) -> Voucher:
    return Voucher(
        code=row["code"],
        merchant_order_no=row["merchant_order_no"],
        stored_status=VoucherStatus(row["status"]),
        valid_to=row["valid_to"],
    )


async def lock_voucher(conn: asyncpg.Connection, code: str) -> Voucher | None:
    row = await conn.fetchrow(_VOUCHER + " WHERE code = $1 FOR UPDATE", code)
    return _voucher(row) if row is not None else None


async def vouchers_of_order(
    conn: asyncpg.Connection, merchant_order_no: str, *, lock: bool = False
) -> list[Voucher]:
    sql = _VOUCHER + " WHERE merchant_order_no = $1 ORDER BY code"
    rows = await conn.fetch(sql + (" FOR UPDATE" if lock else ""), merchant_order_no)
    return [_voucher(r) for r in rows]


async def mark_used(
    conn: asyncpg.Connection, code: str, redeemed_at: datetime, store_id: str
) -> None:
    await conn.execute(
        "UPDATE vouchers SET status = 'used', redeemed_at = $2, store_id = $3 WHERE code = $1",
        code,
        redeemed_at,
        store_id,
    )


async def mark_voided(conn: asyncpg.Connection, codes: Sequence[str], operation_id: UUID) -> None:
    """The issuer voided them. 'expired' too: a void checked before midnight may land after
    the expiry sweep stored the voucher as expired, and the issuer's void still happened."""
    if not codes:
        return
    await conn.execute(
        "UPDATE vouchers SET status = 'voided', voided_at = now(), voided_by = $2"
        " WHERE code = ANY($1::text[]) AND status IN ('available', 'expired')",
        list(codes),
        operation_id,
    )


async def lock_saga_and_void(
    conn: asyncpg.Connection, saga_id: UUID, attempt: int, codes: Sequence[str]
) -> tuple[Reversal | None, dict[str, VoucherStatus]]:
    """A void step's record, its first statement: the saga locked (its order first), then
    the order's vouchers locked by code, and ``codes`` marked voided (those still available
    or expired, as :func:`mark_voided`) if the saga is still voiding on ``attempt``; the saga
    as it now stands (None if there is none, or it moved on: then nothing was voided) and
    each voucher's stored status as it was when locked, by code.

    As safe as a lock and then a read: every row read is locked by this statement, and
    PostgreSQL reads a locked row again at its newest version once its lock is granted (a
    step or a redemption committed while this one waited is seen); the vouchers are found
    through the locked saga, so they are locked after it, as everywhere."""
    rows = await conn.fetch(_LOCK_SAGA_AND_VOID, saga_id, list(codes), attempt)
    return _locked_and_voided(rows, attempt)


def _locked_and_voided(
    rows: list[asyncpg.Record], attempt: int
) -> tuple[Reversal | None, dict[str, VoucherStatus]]:
    if not rows or rows[0]["saga_id"] is None:
        return None, {}
    found = sagas.reversal_of(rows[0])
    if found.saga.state is not SagaState.VOIDING or found.saga.attempt != attempt:
        return None, {}
    return found, {r["code"]: VoucherStatus(r["status"]) for r in rows if r["code"] is not None}


async def lock_saga_void_and_step(
    conn: asyncpg.Connection,
    expected: Reversal,
    codes: Sequence[str],
    stepping: tuple[object, ...],
) -> tuple[Reversal | None, dict[str, VoucherStatus], bool]:
    """:func:`lock_saga_and_void`, and in the same statement the step that follows when all
    was voided (``stepping``: ``sagas.stepping_args``, its refund request included), taken
    only if, under the saga's lock, the saga still stands as ``expected`` (voiding on that
    attempt, the same operation's who and why, the same order's points) and none of
    ``codes`` was found used: then True, and the step is done. Otherwise (another driver
    moved it on, a store redeemed a voucher first) nothing of the step is written, and the
    caller decides from what this returns, as after :func:`lock_saga_and_void`."""
    saga = expected.saga
    rows = await conn.fetch(
        _LOCK_SAGA_VOID_AND_STEP,
        saga.saga_id,
        list(codes),
        saga.attempt,
        saga.refund_attempt,
        expected.reason,
        expected.operator,
        expected.user_id,
        expected.points,
        *stepping,
    )
    found, statuses = _locked_and_voided(rows, saga.attempt)
    return found, statuses, bool(rows and rows[0]["stepped"])


_LOCKING_AND_VOIDING = (
    f"WITH saga AS ({sagas.SELECT} WHERE s.saga_id = $1 FOR UPDATE OF o, s),"
    " held AS (SELECT code, status FROM vouchers"
    " WHERE merchant_order_no = (SELECT merchant_order_no FROM saga) ORDER BY code FOR UPDATE),"
    " voided AS (UPDATE vouchers v SET status = 'voided', voided_at = now(),"
    " voided_by = saga.operation_id FROM held, saga"
    " WHERE v.code = held.code AND held.code = ANY($2::text[])"
    " AND held.status IN ('available', 'expired')"
    " AND saga.state = 'voiding' AND saga.attempt = $3)"
)
_LOCK_SAGA_AND_VOID = (
    f"{_LOCKING_AND_VOIDING} SELECT saga.*, held.* FROM saga LEFT JOIN held ON true"
    " ORDER BY held.code"
)
# ``go``: a row if the saga, as locked, is what the caller expected ($3-$8) and no voucher it
# voided was found used (a store redeemed it first): the step the caller built may be taken
_LOCK_SAGA_VOID_AND_STEP = (
    f"{_LOCKING_AND_VOIDING}, go AS (SELECT FROM saga WHERE saga.state = 'voiding'"
    " AND saga.attempt = $3 AND saga.refund_attempt = $4 AND saga.reason = $5"
    " AND saga.operator = $6 AND saga.user_id = $7 AND saga.points_deducted = $8"
    " AND NOT EXISTS (SELECT FROM held WHERE held.code = ANY($2::text[])"
    f" AND held.status = 'used')), {sagas.stepping(9, sends=True, finished=False)}"
    " SELECT saga.*, held.*, EXISTS (SELECT FROM go) AS stepped"
    " FROM saga LEFT JOIN held ON true ORDER BY held.code"
)


async def expire_batch(conn: asyncpg.Connection, today: date, limit: int) -> int:
    """Store as expired up to ``limit`` available vouchers whose validity ended before today.

    Read through the partial index of available vouchers by valid_to, oldest
    first. Rows another transaction holds (a void, a redemption, another
    replica's sweep) are skipped, not waited for: a later run takes them.
    """
    # An array, not "code IN (...)": the planner may hash-join a subquery and
    # read the whole table for a batch; an array of codes is one index probe each.
    result: str = await conn.execute(
        "UPDATE vouchers SET status = 'expired'"
        " WHERE code = ANY (ARRAY (SELECT code FROM vouchers"
        "  WHERE status = 'available' AND valid_to < $1"
        "  ORDER BY valid_to LIMIT $2 FOR UPDATE SKIP LOCKED))"
        " AND status = 'available'",
        today,
        limit,
    )
    return int(result.rsplit(" ", 1)[1])


async def record_redemption_conflict(
    pool: asyncpg.Pool, *, ce_id: str, code: str, redeemed_at: datetime, store_id: str
) -> None:
    """Kept on a connection of its own: the message's own transaction is about to roll back."""
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO redemption_conflicts (ce_id, code, redeemed_at, store_id)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (ce_id) DO NOTHING",
            ce_id,
            code,
            redeemed_at,
            store_id,
        )


_PENDING_VOIDS = "operations p WHERE p.type = 'void' AND p.status = 'pending'"
"""A voucher being voided: its void operation still pending (the facts' ``voiding``)."""
ORDER_FACTS = (
    "o.source AS order_source, o.deduction_status, o.points_deducted, o.order_status,"
    " s.state AS saga_state, f.codes, f.statuses, f.valid_tos,"
    f" ARRAY(SELECT p.code FROM {_PENDING_VOIDS} AND p.code = ANY (f.codes)) AS voiding"
)
"""The columns of an order's facts (:func:`facts_of_row`), for a statement that joins the
order as ``o`` and :data:`ORDER_FACTS_JOIN`."""
ORDER_FACTS_JOIN = (
    " LEFT JOIN reversal_sagas s ON s.merchant_order_no = o.merchant_order_no"
    " CROSS JOIN LATERAL (SELECT array_agg(code ORDER BY code) AS codes,"
    "  array_agg(status ORDER BY code) AS statuses, array_agg(valid_to ORDER BY code) AS valid_tos"
    "  FROM vouchers WHERE merchant_order_no = o.merchant_order_no) f"
)
_FACTS = (
    f"SELECT o.merchant_order_no, {ORDER_FACTS} FROM orders o{ORDER_FACTS_JOIN}"
    " WHERE o.merchant_order_no = ANY ($1::text[])"
)


def facts_of_row(row: asyncpg.Record, today: date) -> OrderFacts:
    """The order's facts from a row carrying the :data:`ORDER_FACTS` columns."""
    return OrderFacts(
        source=row["order_source"],
        deduction_status=row["deduction_status"],
        points=row["points_deducted"],
        order_status=row["order_status"],
        statuses=_statuses(
            zip(row["codes"] or [], row["statuses"] or [], row["valid_tos"] or [], strict=True),
            today,
        ),
        voiding=frozenset(row["voiding"]),
        saga=SagaState(row["saga_state"]) if row["saga_state"] else None,
    )


async def order_facts(
    conn: asyncpg.Connection | asyncpg.Pool, order_nos: Collection[str], today: date
) -> dict[str, OrderFacts]:
    """What the void and reversal rules need of each order, by order number.

    A command reads it after locking the order (and the vouchers it acts on), so it
    sees what it will change; a view reads the same to offer only what would pass.
    """
    rows = await conn.fetch(_FACTS, list(order_nos))
    return {r["merchant_order_no"]: facts_of_row(r, today) for r in rows}


def _statuses(vouchers: Iterable[tuple[str, str, date]], today: date) -> dict[str, VoucherStatus]:
    """Each voucher's status as seen today, by code."""
    return {code: voucher_status(status, valid_to, today) for code, status, valid_to in vouchers}


async def lock_saga_and_vouchers(
    conn: asyncpg.Connection,
    order: Order,
    today: date,
    beginning: tuple[object, ...] | None = None,
) -> tuple[Reversal | None, list[Voucher], OrderFacts]:
    """For a reversal's start, ``order`` locked by the caller in its own statement: the
    order's saga (locked) if it has one, its vouchers locked by code, and what the rules
    need of the order (the facts :func:`facts_of_order` would read, from the rows just
    locked), in one statement.

    One statement is as safe here as a read after each lock: the order's lock, which every
    writer of its saga and vouchers takes first, was granted before this statement began,
    so its snapshot holds whatever the lock's last holder committed (a saga started
    meanwhile included).

    ``beginning`` (``sagas.beginning_args``): in the same statement, the saga begun if the
    order has none. What is read is as it stood before (the statement's snapshot); the
    caller checks the rules on it and, when they refuse, raises, and its transaction undoes
    the beginning with everything else."""
    if beginning is None:
        rows = await conn.fetch(_SAGA_AND_VOUCHERS, order.merchant_order_no)
    else:
        rows = await conn.fetch(_BEGINNING, order.merchant_order_no, *beginning)
    found = sagas.reversal_of(rows[0]) if rows and rows[0]["saga_id"] is not None else None
    held = [
        Voucher(
            code=r["code"],
            merchant_order_no=order.merchant_order_no,
            stored_status=VoucherStatus(r["status"]),
            valid_to=r["valid_to"],
        )
        for r in rows
        if r["code"] is not None
    ]
    facts = OrderFacts(
        source=order.source,
        deduction_status=order.deduction_status,
        points=order.points_deducted,
        order_status=order.order_status,
        statuses=_statuses(
            ((r["code"], r["status"], r["valid_to"]) for r in rows if r["code"] is not None), today
        ),
        voiding=frozenset(r["code"] for r in rows if r["voiding"]),
        saga=found.saga.state if found else None,
    )
    return found, held, facts


_LOCKED = (
    f"saga AS ({sagas.SELECT} WHERE s.merchant_order_no = $1 FOR UPDATE OF o, s),"
    " held AS (SELECT v.code, v.status, v.valid_to,"
    f" EXISTS (SELECT 1 FROM {_PENDING_VOIDS} AND p.code = v.code) AS voiding"
    " FROM vouchers v WHERE v.merchant_order_no = $1 ORDER BY v.code FOR UPDATE OF v)"
)
_READ = (
    " SELECT saga.*, held.* FROM (SELECT) one LEFT JOIN saga ON true LEFT JOIN held ON true"
    " ORDER BY held.code"
)
_SAGA_AND_VOUCHERS = f"WITH {_LOCKED}{_READ}"
_BEGINNING = f"WITH {_LOCKED}, {sagas.beginning(2, 'NOT EXISTS (SELECT 1 FROM saga)')}{_READ}"
""":data:`_SAGA_AND_VOUCHERS`, and the saga begun (``$2`` on) if the order had none."""


async def facts_of_order(conn: asyncpg.Connection, order_no: str, today: date) -> OrderFacts:
    return (await order_facts(conn, [order_no], today))[order_no]
