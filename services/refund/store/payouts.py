"""Payouts owed: one row per form or requested refund, claimed by the payout worker."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.refund.domain.stored import Payout, PayoutNeedingAttention
from shared.db import Db
from shared.db.query import Query, fetch_page
from shared.db.rows import row_as, rows_as
from shared.paging import Page, Position


async def owe(
    conn: asyncpg.Connection,
    *,
    payout_id: str,
    kind: str,
    subject_id: str,
    amount_cents: int,
    account: str,
    now: datetime,
) -> None:
    """Owe the payout (due now); owing it again (a retry by a person) makes it due again."""
    await conn.execute(
        "INSERT INTO payouts (payout_id, subject_kind, subject_id, amount_cents, account,"
        " status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)"
        " ON CONFLICT (payout_id) DO UPDATE SET status = 'pending', attempts = 0,"
        " next_attempt_at = $6 WHERE payouts.status = 'failed'",
        payout_id,
        kind,
        subject_id,
        amount_cents,
        account,
        now,
    )


async def claim_due(
    conn: asyncpg.Connection, now: datetime, lease_until: datetime, limit: int = 20
) -> list[Payout]:
    """Due payouts (or ones whose worker died past its lease), leased to this worker."""
    rows = await conn.fetch(
        "UPDATE payouts SET next_attempt_at = $2, attempts = attempts + 1"
        " WHERE payout_id IN (SELECT payout_id FROM payouts"
        "  WHERE status = 'pending' AND next_attempt_at <= $1"
        "  ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)"
        " RETURNING *",
        now,
        lease_until,
        limit,
    )
    return rows_as(Payout, rows)


async def lock(conn: asyncpg.Connection, payout_id: str) -> Payout | None:
    row = await conn.fetchrow("SELECT * FROM payouts WHERE payout_id = $1 FOR UPDATE", payout_id)
    return None if row is None else row_as(Payout, row)


async def mark_paid(
    conn: asyncpg.Connection, payout_id: str, reference: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE payouts SET status = 'paid', reference = $2, paid_at = $3, last_error = NULL"
        " WHERE payout_id = $1",
        payout_id,
        reference,
        now,
    )


async def mark_failed(
    conn: asyncpg.Connection, payout_id: str, error: str, retry_at: datetime | None
) -> None:
    """Try again at ``retry_at``, or (None) give it to a person."""
    if retry_at is None:
        await conn.execute(
            "UPDATE payouts SET status = 'failed', last_error = $2 WHERE payout_id = $1",
            payout_id,
            error,
        )
    else:
        await conn.execute(
            "UPDATE payouts SET last_error = $2, next_attempt_at = $3 WHERE payout_id = $1",
            payout_id,
            error,
            retry_at,
        )


async def give_up(conn: asyncpg.Connection, payout_id: str, now: datetime) -> None:
    """A person gave the failed payout up: it is never tried again, nor waits for anyone."""
    await conn.execute(
        "UPDATE payouts SET status = 'given_up', given_up_at = $2"
        " WHERE payout_id = $1 AND status = 'failed'",
        payout_id,
        now,
    )


async def of_subject(conn: Db, kind: str, subject_id: str) -> Payout | None:
    row = await conn.fetchrow(
        "SELECT * FROM payouts WHERE subject_kind = $1 AND subject_id = $2", kind, subject_id
    )
    return None if row is None else row_as(Payout, row)


def _needing_attention(row: asyncpg.Record) -> PayoutNeedingAttention:
    return PayoutNeedingAttention(row_as(Payout, row), row["subject_state"])


async def needing_attention(
    conn: Db, *, kind: str | None, after: Position | None, limit: int
) -> Page[PayoutNeedingAttention]:
    """Payouts whose retries ran out, oldest first: a person retries (or gives up) each."""
    q = Query()
    q.where("p.status = 'failed'")
    q.when(kind, "p.subject_kind = {}")
    # the subject's state too: what a person may do about the payout depends on it
    source = (
        "payouts p LEFT JOIN refund_forms f ON p.subject_kind = 'form' AND f.form_id ="
        " p.subject_id LEFT JOIN requested_refunds r ON p.subject_kind = 'requested'"
        " AND r.refund_id = p.subject_id"
    )
    rows = await fetch_page(
        conn,
        source,
        q,
        select="p.*, coalesce(f.state, r.state) AS subject_state",
        order=("p.created_at", "p.payout_id"),
        newest_first=False,
        after=after,
        limit=limit,
    )
    return rows.map(_needing_attention)
