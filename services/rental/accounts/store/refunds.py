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
from shared.db import Db
from shared.paging import Position


def pending_of(row: asyncpg.Record) -> PendingRefund:
    return PendingRefund(
        request_id=row["request_id"],
        user_id=row["user_id"],
        kind=RefundKind(row["kind"]),
        amount_cents=row["amount_cents"],
        status=RefundStatus(row["status"]),
        payout_cents=row["payout_cents"],
        bonus_deducted_cents=row["bonus_deducted_cents"],
        fee_cents=row["fee_cents"],
    )


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
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM refund_requests WHERE user_id = $1 AND kind = $2 AND status = 'pending'",
        user_id,
        kind.value,
    )


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
) -> asyncpg.Record:
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
    return row


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


async def get(db: Db, request_id: str) -> asyncpg.Record | None:
    return await db.fetchrow("SELECT * FROM refund_requests WHERE request_id = $1", request_id)


async def get_for_update(conn: asyncpg.Connection, request_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM refund_requests WHERE request_id = $1 FOR UPDATE", request_id
    )


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


async def of_user(db: Db, user_id: str) -> list[asyncpg.Record]:
    return list(
        await db.fetch(
            "SELECT * FROM refund_requests WHERE user_id = $1"
            " ORDER BY requested_at DESC, request_id DESC",
            user_id,
        )
    )


async def page_of_user(
    db: Db, user_id: str, *, after: Position | None, limit: int
) -> list[asyncpg.Record]:
    """The user's refund requests newest first, a keyset page; ``limit + 1`` rows."""
    return list(
        await db.fetch(
            "SELECT * FROM refund_requests WHERE user_id = $1"
            " AND ($2::timestamptz IS NULL OR (requested_at, request_id) < ($2, $3))"
            " ORDER BY requested_at DESC, request_id DESC LIMIT $4",
            user_id,
            after.at if after else None,
            after.id if after else None,
            limit + 1,
        )
    )


async def pending_kinds(db: Db, user_id: str) -> frozenset[RefundKind]:
    rows = await db.fetch(
        "SELECT kind FROM refund_requests WHERE user_id = $1 AND status = 'pending'", user_id
    )
    return frozenset(RefundKind(r["kind"]) for r in rows)
