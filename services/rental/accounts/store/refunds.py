"""Refunds asked of the refund service (``refund_requests``)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.rental.accounts.domain.refund_request import (
    Breakdown,
    PendingRefund,
    RefundKind,
    RefundStatus,
)
from services.rental.accounts.domain.stored import RefundRequest
from shared.db import Db
from shared.db.rows import row_as, rows_as
from shared.paging import Position


def pending_of(r: RefundRequest) -> PendingRefund:
    return PendingRefund(
        request_id=r.request_id,
        user_id=r.user_id,
        kind=RefundKind(r.kind),
        amount_cents=r.amount_cents,
        status=RefundStatus(r.status),
        payout_cents=r.payout_cents,
        bonus_deducted_cents=r.bonus_deducted_cents,
        fee_cents=r.fee_cents,
    )


def _request_or_none(row: asyncpg.Record | None) -> RefundRequest | None:
    return None if row is None else row_as(RefundRequest, row)


async def next_sequence(conn: asyncpg.Connection, user_id: str) -> int:
    """The account's next refund number (the caller holds the account's lock)."""
    return int(
        await conn.fetchval(
            "UPDATE accounts SET refunds = refunds + 1 WHERE user_id = $1 RETURNING refunds",
            user_id,
        )
    )


async def pending_of_kind(
    conn: asyncpg.Connection, user_id: str, kind: RefundKind
) -> RefundRequest | None:
    row = await conn.fetchrow(
        "SELECT * FROM refund_requests WHERE user_id = $1 AND kind = $2 AND status = 'pending'",
        user_id,
        kind.value,
    )
    return _request_or_none(row)


async def insert(
    conn: asyncpg.Connection,
    *,
    request_id: str,
    user_id: str,
    kind: RefundKind,
    amounts: Breakdown,
    reason: str,
    proof: str | None,
    requested_by: str,
    requested_at: datetime,
    payout_to: tuple[str, str] | None,
) -> RefundRequest:
    row = await conn.fetchrow(
        "INSERT INTO refund_requests (request_id, user_id, kind, amount_cents, reason, proof,"
        " requested_by, requested_at, bonus_deducted_cents, fee_cents,"
        " payout_cents, payout_method, payout_account)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *",
        request_id,
        user_id,
        kind.value,
        amounts.amount_cents,
        reason,
        proof,
        requested_by,
        requested_at,
        amounts.bonus_deducted_cents,
        amounts.fee_cents,
        amounts.payout_cents,
        payout_to[0] if payout_to else None,
        payout_to[1] if payout_to else None,
    )
    assert row is not None
    return row_as(RefundRequest, row)


async def bonus_left(conn: Db, user_id: str) -> int:
    """The promotional bonus given and not yet given back by a paid refund (the caller
    holds the account's lock; one stored-value refund is pending at a time)."""
    return int(
        await conn.fetchval(
            "SELECT coalesce(sum(CASE kind WHEN 'top_up_bonus' THEN amount_cents"
            " ELSE -amount_cents END), 0) FROM account_ledger WHERE user_id = $1"
            " AND kind IN ('top_up_bonus', 'refund_bonus_deducted')",
            user_id,
        )
    )


async def original_account(conn: asyncpg.Connection, user_id: str) -> tuple[str, str] | None:
    """The method and paying account of the newest counter top-up: where stored value goes
    back (the newest money leaves first); None when it all came through the platform."""
    row = await conn.fetchrow(
        "SELECT payment_method, payer_account FROM topups WHERE user_id = $1"
        " ORDER BY at DESC, serial_no DESC LIMIT 1",
        user_id,
    )
    return (row["payment_method"], row["payer_account"]) if row is not None else None


async def get(db: Db, request_id: str) -> RefundRequest | None:
    row = await db.fetchrow("SELECT * FROM refund_requests WHERE request_id = $1", request_id)
    return _request_or_none(row)


async def get_for_update(conn: asyncpg.Connection, request_id: str) -> RefundRequest | None:
    row = await conn.fetchrow(
        "SELECT * FROM refund_requests WHERE request_id = $1 FOR UPDATE", request_id
    )
    return _request_or_none(row)


async def decide(
    conn: asyncpg.Connection,
    request_id: str,
    status: RefundStatus,
    *,
    refund_id: str | None,
    outcome: str,
    decided_by: str,
    decided_at: datetime,
) -> None:
    await conn.execute(
        "UPDATE refund_requests SET status = $2, refund_id = $3, outcome = $4, decided_by = $5,"
        " decided_at = $6 WHERE request_id = $1",
        request_id,
        status.value,
        refund_id,
        outcome,
        decided_by,
        decided_at,
    )


async def of_user(db: Db, user_id: str) -> list[RefundRequest]:
    rows = await db.fetch(
        "SELECT * FROM refund_requests WHERE user_id = $1"
        " ORDER BY requested_at DESC, request_id DESC",
        user_id,
    )
    return rows_as(RefundRequest, rows)


async def page_of_user(
    db: Db, user_id: str, *, after: Position | None, limit: int
) -> list[RefundRequest]:
    """The user's refund requests newest first, a keyset page; ``limit + 1`` rows."""
    return rows_as(
        RefundRequest,
        await db.fetch(
            "SELECT * FROM refund_requests WHERE user_id = $1"
            " AND ($2::timestamptz IS NULL OR (requested_at, request_id) < ($2, $3))"
            " ORDER BY requested_at DESC, request_id DESC LIMIT $4",
            user_id,
            after.at if after else None,
            after.id if after else None,
            limit + 1,
        ),
    )


async def pending_kinds(db: Db, user_id: str) -> frozenset[RefundKind]:
    rows = await db.fetch(
        "SELECT kind FROM refund_requests WHERE user_id = $1 AND status = 'pending'", user_id
    )
    return frozenset(RefundKind(r["kind"]) for r in rows)
