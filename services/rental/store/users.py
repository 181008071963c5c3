"""Users: the search, one user, and the agent's changes (each with its user_actions row)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from services.rental.domain.model import UserStatus
from services.rental.domain.query import Deleted, UserQuery
from services.rental.domain.users import RentalUser, UserRecord
from services.rental.store.sql import Args, name_condition, phone_condition, where
from shared.db import Db
from shared.paging import Position

_ORDER = " ORDER BY registered_at DESC, user_id DESC"
FEW_SHARE = 2
"""From this many characters on, a name's beginning is held by few users."""


def search_sql(
    query: UserQuery, after: Position | None = None, select: str = "SELECT * FROM users"
) -> tuple[str, list[Any]]:
    """One page (one row more than the limit, to tell whether more follow).

    ``select`` may join more to the users (the account list joins their accounts ``USING
    (user_id)``, so the filters' unqualified names still mean the user's).

    Each key filter has an index ending in the page order, so the planner walks one
    index range newest first and stops at the page.
    """
    arg = Args()
    conditions: list[str] = []
    if query.phone is not None:
        conditions.append(phone_condition(arg, query.phone))
    if query.name is not None:
        conditions.append(name_condition(arg, query.name))
    if query.user_id is not None:
        conditions.append(f"user_id = {arg(query.user_id)}")
    if query.status is not None:
        conditions.append(f"status = {arg(query.status.value)}")
    if query.registered_from is not None:
        conditions.append(f"registered_at >= {arg(query.registered_from)}")
    if query.registered_before is not None:
        conditions.append(f"registered_at < {arg(query.registered_before)}")
    if query.blacklisted is True:
        conditions.append("blacklisted_at IS NOT NULL")
    elif query.blacklisted is False:
        conditions.append("blacklisted_at IS NULL")
    if query.deleted is Deleted.EXCLUDE:
        conditions.append("deleted_at IS NULL")
    elif query.deleted is Deleted.ONLY:
        conditions.append("deleted_at IS NOT NULL")
    if after is not None:
        conditions.append(f"(registered_at, user_id) < ({arg(after.at)}, {arg(after.id)})")
    if query.name is not None and len(query.name) >= FEW_SHARE:
        # Few users share a name's first two characters (a surname and more): take them all
        # from the name's index range, then order them. Left to itself the planner guesses
        # a prefix's share from its histogram and may walk the page index past every user
        # for a name ten users hold. A lone surname is shared widely: the walk finds a page
        # at once, so it keeps the plain query.
        found = f"{select}{where(conditions)}"
        sql = f"WITH found AS MATERIALIZED ({found}) SELECT * FROM found{_ORDER}"
        return f"{sql} LIMIT {arg(query.limit + 1)}", arg.values
    sql = f"{select}{where(conditions)}{_ORDER} LIMIT {arg(query.limit + 1)}"
    return sql, arg.values


def _user(row: asyncpg.Record) -> RentalUser:
    return RentalUser(
        user_id=row["user_id"],
        phone=row["phone"],
        name=row["name"],
        card_type=row["card_type"],
        registered_at=row["registered_at"],
        status=UserStatus(row["status"]),
        blacklisted_at=row["blacklisted_at"],
        blacklist_reason=row["blacklist_reason"],
        blacklisted_by=row["blacklisted_by"],
        deleted_at=row["deleted_at"],
        deleted_by=row["deleted_by"],
        delete_reason=row["delete_reason"],
    )


def _user_or_none(row: asyncpg.Record | None) -> RentalUser | None:
    return None if row is None else _user(row)


async def search(conn: Db, query: UserQuery, after: Position | None) -> list[RentalUser]:
    sql, args = search_sql(query, after)
    return [_user(r) for r in await conn.fetch(sql, *args)]


async def blacklist_page(conn: Db, after: Position | None, limit: int) -> list[RentalUser]:
    """The blacklist (黑名单), most recently blacklisted first; deleted users left out."""
    arg = Args()
    conditions = ["blacklisted_at IS NOT NULL", "deleted_at IS NULL"]
    if after is not None:
        conditions.append(f"(blacklisted_at, user_id) < ({arg(after.at)}, {arg(after.id)})")
    sql = (
        f"SELECT * FROM users{where(conditions)} ORDER BY blacklisted_at DESC, user_id DESC"
        f" LIMIT {arg(limit + 1)}"
    )
    return [_user(r) for r in await conn.fetch(sql, *arg.values)]


async def get(conn: Db, user_id: str) -> RentalUser | None:
    return _user_or_none(await conn.fetchrow("SELECT * FROM users WHERE user_id = $1", user_id))


async def lock(conn: asyncpg.Connection, user_id: str) -> RentalUser | None:
    row = await conn.fetchrow("SELECT * FROM users WHERE user_id = $1 FOR UPDATE", user_id)
    return _user_or_none(row)


async def set_blacklisted(
    conn: asyncpg.Connection, user_id: str, at: datetime | None, reason: str | None, by: str | None
) -> RentalUser:
    row = await conn.fetchrow(
        "UPDATE users SET blacklisted_at = $2, blacklist_reason = $3, blacklisted_by = $4,"
        " updated_at = now() WHERE user_id = $1 RETURNING *",
        user_id,
        at,
        reason,
        by,
    )
    return _user(row)


async def set_deleted(
    conn: asyncpg.Connection, user_id: str, at: datetime | None, reason: str | None, by: str | None
) -> RentalUser:
    row = await conn.fetchrow(
        "UPDATE users SET deleted_at = $2, delete_reason = $3, deleted_by = $4,"
        " updated_at = now() WHERE user_id = $1 RETURNING *",
        user_id,
        at,
        reason,
        by,
    )
    return _user(row)


async def set_status(conn: asyncpg.Connection, user_id: str, status: UserStatus) -> RentalUser:
    row = await conn.fetchrow(
        "UPDATE users SET status = $2, updated_at = now() WHERE user_id = $1 RETURNING *",
        user_id,
        status.value,
    )
    return _user(row)


async def record_action(
    conn: asyncpg.Connection,
    *,
    user_id: str,
    action: str,
    reason: str,
    actor: str,
    at: datetime,
    old_status: str | None = None,
    new_status: str | None = None,
    trip_id: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO user_actions (user_id, action, reason, actor, at, old_status, new_status,"
        " trip_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        user_id,
        action,
        reason,
        actor,
        at,
        old_status,
        new_status,
        trip_id,
    )


async def actions(conn: Db, user_id: str, limit: int = 50) -> list[UserRecord]:
    rows = await conn.fetch(
        "SELECT action, reason, actor, at, old_status, new_status, trip_id FROM user_actions"
        " WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        user_id,
        limit,
    )
    return [UserRecord(**dict(r)) for r in rows]
