"""Sellers' activations (``aftersales_activations``) and their history."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import asyncpg

from services.refund.aftersales.domain.activation import (
    Activation,
    ActivationEvent,
    ActivationStatus,
    ReturnAddress,
)
from shared.db import Db
from shared.db.rows import rows_as
from shared.paging import Position


def activation_of(row: asyncpg.Record) -> Activation:
    return Activation(
        seller_id=row["seller_id"],
        status=ActivationStatus(row["status"]),
        address=ReturnAddress(
            row["province"],
            row["city"],
            row["district"],
            row["street"],
            row["contact_name"],
            row["contact_phone"],
        ),
        submitted_by=row["submitted_by"],
        submitted_at=row["submitted_at"],
        rejection_reason=row["rejection_reason"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
        attempts=row["attempts"],
        main_account=row["main_account"],
    )


async def get(db: Db, seller_id: str, *, lock: bool = False) -> Activation | None:
    suffix = " FOR UPDATE" if lock else ""
    row = await db.fetchrow(
        f"SELECT * FROM aftersales_activations WHERE seller_id = $1{suffix}", seller_id
    )
    return None if row is None else activation_of(row)


async def status_of(conn: asyncpg.Connection, seller_id: str) -> str | None:
    """The activation's status, held (FOR SHARE) until the caller's transaction ends."""
    status: str | None = await conn.fetchval(
        "SELECT status FROM aftersales_activations WHERE seller_id = $1 FOR SHARE", seller_id
    )
    return status


async def save(conn: asyncpg.Connection, a: Activation) -> Activation:
    row = await conn.fetchrow(
        "INSERT INTO aftersales_activations (seller_id, status, province, city, district,"
        " street, contact_name, contact_phone, rejection_reason, submitted_by, submitted_at,"
        " reviewed_by, reviewed_at, attempts, main_account)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        " ON CONFLICT (seller_id) DO UPDATE SET status = EXCLUDED.status,"
        " province = EXCLUDED.province, city = EXCLUDED.city, district = EXCLUDED.district,"
        " street = EXCLUDED.street, contact_name = EXCLUDED.contact_name,"
        " contact_phone = EXCLUDED.contact_phone, rejection_reason = EXCLUDED.rejection_reason,"
        " submitted_by = EXCLUDED.submitted_by, submitted_at = EXCLUDED.submitted_at,"
        " reviewed_by = EXCLUDED.reviewed_by, reviewed_at = EXCLUDED.reviewed_at,"
        " attempts = EXCLUDED.attempts RETURNING *",
        a.seller_id,
        a.status.value,
        a.address.province,
        a.address.city,
        a.address.district,
        a.address.street,
        a.address.contact_name,
        a.address.contact_phone,
        a.rejection_reason,
        a.submitted_by,
        a.submitted_at,
        a.reviewed_by,
        a.reviewed_at,
        a.attempts,
        a.main_account,
    )
    assert row is not None
    return activation_of(row)


async def record(
    conn: asyncpg.Connection, a: Activation, action: str, actor: str, at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO aftersales_activation_events (seller_id, action, actor, status, reason,"
        " address, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        a.seller_id,
        action,
        actor,
        a.status.value,
        a.rejection_reason,
        asdict(a.address),
        at,
    )


async def history(db: Db, seller_id: str) -> list[ActivationEvent]:
    rows = await db.fetch(
        "SELECT * FROM aftersales_activation_events WHERE seller_id = $1 ORDER BY id",
        seller_id,
    )
    return rows_as(ActivationEvent, rows)


async def page(
    db: Db,
    *,
    status: str | None,
    sellers: frozenset[str] | None,
    after: Position | None,
    limit: int,
) -> list[Activation]:
    """Applications, newest first; ``after`` is the last one given out (submitted_at, seller);
    ``sellers`` limits them to those sellers (None: every seller)."""
    return [
        activation_of(r)
        for r in await db.fetch(
            "SELECT * FROM aftersales_activations WHERE ($1::text IS NULL OR status = $1)"
            " AND ($2::timestamptz IS NULL OR (submitted_at, seller_id) < ($2, $3::text))"
            " AND ($4::text[] IS NULL OR seller_id = ANY ($4))"
            " ORDER BY submitted_at DESC, seller_id DESC LIMIT $5",
            status,
            after.at if after else None,
            after.id if after else None,
            sorted(sellers) if sellers is not None else None,
            limit,
        )
    ]
