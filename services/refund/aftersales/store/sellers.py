"""Who serves each seller: its main account (on the activation) and its staff."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import asyncpg

from services.refund.aftersales.domain.sellers import Permission, Staffing, StaffMember
from shared.db import Db
from shared.db.rows import row_as, rows_as


async def staffings_of(db: Db, seller_ids: Collection[str]) -> dict[str, Staffing]:
    """Each seller's main account and staff (sellers that never applied are left out)."""
    rows = await db.fetch(
        "SELECT a.seller_id, a.main_account, s.username, s.permissions"
        " FROM aftersales_activations a LEFT JOIN aftersales_seller_staff s USING (seller_id)"
        " WHERE a.seller_id = ANY ($1::text[])",
        list(seller_ids),
    )
    mains: dict[str, str] = {}
    staff: dict[str, dict[str, frozenset[Permission]]] = {}
    for r in rows:
        mains[r["seller_id"]] = r["main_account"]
        people = staff.setdefault(r["seller_id"], {})
        if r["username"] is not None:
            people[r["username"]] = frozenset(Permission(p) for p in r["permissions"])
    return {seller: Staffing(seller, main, staff[seller]) for seller, main in mains.items()}


async def staffing_of(db: Db, seller_id: str) -> Staffing | None:
    """The seller's main account and staff; None for a seller that never applied."""
    return (await staffings_of(db, [seller_id])).get(seller_id)


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
) -> StaffMember:
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
    return row_as(StaffMember, row)


async def staff(db: Db, seller_id: str) -> list[StaffMember]:
    rows = await db.fetch(
        "SELECT * FROM aftersales_seller_staff WHERE seller_id = $1 ORDER BY username",
        seller_id,
    )
    return rows_as(StaffMember, rows)
