"""Payments the platform received (``payments_received``): one row per payment id."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.rental.accounts.domain.ledger import PaymentSeen


async def claim(
    conn: asyncpg.Connection,
    *,
    payment_id: str,
    user_id: str,
    kind: str,
    amount_cents: int,
    paid_at: datetime,
) -> PaymentSeen | None:
    """None if the payment is new (now recorded); else the row recorded before."""
    inserted = await conn.fetchval(
        "INSERT INTO payments_received (payment_id, user_id, kind, amount_cents, paid_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
        payment_id,
        user_id,
        kind,
        amount_cents,
        paid_at,
    )
    if inserted is not None:
        return None
    row = await conn.fetchrow(
        "SELECT payment_id, user_id, kind, amount_cents FROM payments_received"
        " WHERE payment_id = $1",
        payment_id,
    )
    return PaymentSeen(row["payment_id"], row["user_id"], row["kind"], row["amount_cents"])
