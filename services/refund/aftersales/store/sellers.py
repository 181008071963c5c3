"""Who serves each seller: its main account (on the activation) and its staff."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TypeAlias

import asyncpg

from services.refund.aftersales.domain.sellers import Permission, Staffing

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool  # asyncpg is untyped: for readability


async def staffing_of(db: Db, seller_id: str) -> Staffing | None:
    """The seller's main account and staff; None for a seller that never applied."""
    main = await db.fetchval(
        "SELECT main_account FROM aftersales_activations WHERE seller_id = $1", seller_id
    )
    if main is None:
        return None
    rows = await db.fetch(
        "SELECT username, permissions FROM aftersales_seller_staff WHERE seller_id = $1",
        seller_id,
    )
    staff = {r["username"]: frozenset(Permission(p) for p in r["permissions"]) for r in rows}
    return Staffing(seller_id, main, staff)


async def sellers_served_by(db: Db, username: str) -> frozenset[str]:
    """The sellers whose main account this is, or who gave this person a permission."""
    rows = await db.fetch(
        "SELECT seller_id FROM aftersales_activations WHERE main_account = $1"
        " UNION SELECT seller_id FROM aftersales_seller_staff"
        " WHERE username = $1 AND cardinality(permissions) > 0",
        username,
    )
    return frozenset(r["seller_id"] for r in rows)


async def set_staff(
    conn: asyncpg.Connection,
    seller_id: str,
    username: str,
    given: Collection[Permission],
    actor: str,
    now: datetime,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        "INSERT INTO aftersales_seller_staff (seller_id, username, permissions, added_by,"
        " added_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $4, $5)"
        " ON CONFLICT (seller_id, username) DO UPDATE SET permissions = EXCLUDED.permissions,"
        " updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at RETURNING *",
        seller_id,
        username,
        sorted(p.value for p in given),
        actor,
        now,
    )
    assert row is not None
    await conn.execute(
        "INSERT INTO aftersales_seller_staff_events (seller_id, username, permissions, actor, at)"
        " VALUES ($1, $2, $3, $4, $5)",
        seller_id,
        username,
        sorted(p.value for p in given),
        actor,
        now,
    )
    return row


async def staff(db: Db, seller_id: str) -> list[asyncpg.Record]:
    return list(
        await db.fetch(
            "SELECT * FROM aftersales_seller_staff WHERE seller_id = $1 ORDER BY username",
            seller_id,
        )
    )
