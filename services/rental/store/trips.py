"""Rental orders: the list, one order with its bike and lock, the exception fix."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.rental.domain.query import RETURN_WINDOW_DAYS, OrderQuery
from services.rental.store.sql import Args, phone_condition, where
from shared.paging import Position

_ORDER = " ORDER BY t.started_at DESC, t.trip_id DESC"
_COLUMNS = "t.*, u.phone, u.name"
_JOIN = " JOIN users u ON u.user_id = t.user_id"


def search_sql(query: OrderQuery, after: Position | None = None) -> tuple[str, list[Any]]:
    """One page of orders, newest first (one row more than the limit)."""
    arg = Args()
    conditions: list[str] = []
    if query.user_id is not None:
        conditions.append(f"t.user_id = {arg(query.user_id)}")
    if query.phone is not None:
        # the phone's users first (a handful), then their orders by the per-user index
        users = f"SELECT user_id FROM users WHERE {phone_condition(arg, query.phone)}"
        conditions.append(f"t.user_id = ANY (ARRAY ({users}))")
    if query.bike_id is not None:
        conditions.append(f"t.bike_id = {arg(query.bike_id)}")
    if query.status is not None:
        conditions.append(f"t.status = {arg(query.status.value)}")
    if query.started_from is not None:
        conditions.append(f"t.started_at >= {arg(query.started_from)}")
    if query.started_before is not None:
        conditions.append(f"t.started_at < {arg(query.started_before)}")
    if query.ended_from is not None:
        conditions.append(f"t.ended_at >= {arg(query.ended_from)}")
        # the start bounds the walk: ended_at has no index (a trip's end stays HOT)
        window = query.ended_from - timedelta(days=RETURN_WINDOW_DAYS)
        conditions.append(f"t.started_at >= {arg(window)}")
    if query.ended_before is not None:
        conditions.append(f"t.ended_at < {arg(query.ended_before)}")
    if after is not None:
        conditions.append(f"(t.started_at, t.trip_id) < ({arg(after.at)}, {arg(after.id)})")
    limit = arg(query.limit + 1)
    sql = f"SELECT {_COLUMNS} FROM trips t{_JOIN}{where(conditions)}{_ORDER} LIMIT {limit}"
    return sql, arg.values


async def search(
    conn: asyncpg.Connection | asyncpg.Pool, query: OrderQuery, after: Position | None
) -> list[asyncpg.Record]:
    sql, args = search_sql(query, after)
    return list(await conn.fetch(sql, *args))


async def get(conn: asyncpg.Connection | asyncpg.Pool, trip_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM trips t{_JOIN} WHERE t.trip_id = $1", trip_id
    )


async def lock(conn: asyncpg.Connection, trip_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM trips WHERE trip_id = $1 FOR UPDATE", trip_id)


async def latest_of_user(
    conn: asyncpg.Connection | asyncpg.Pool, user_id: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM trips WHERE user_id = $1 ORDER BY started_at DESC, trip_id DESC LIMIT 1",
        user_id,
    )


async def latest_of_bike(
    conn: asyncpg.Connection | asyncpg.Pool, bike_id: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM trips WHERE bike_id = $1 ORDER BY started_at DESC, trip_id DESC LIMIT 1",
        bike_id,
    )


async def lock_state(
    conn: asyncpg.Connection | asyncpg.Pool, bike_id: str
) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM bike_locks WHERE bike_id = $1", bike_id)


async def end_by_fix(
    conn: asyncpg.Connection, trip_id: str, ended_at: datetime, charge_cents: int, at: datetime
) -> None:
    await conn.execute(
        "UPDATE trips SET status = 'ended', ended_at = $2, charge_cents = $3, fixed_at = $4"
        " WHERE trip_id = $1",
        trip_id,
        ended_at,
        charge_cents,
        at,
    )


async def record_fix(conn: asyncpg.Connection, **values: Any) -> asyncpg.Record:
    columns = list(values)
    placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    row: asyncpg.Record = await conn.fetchrow(
        f"INSERT INTO exception_fixes ({', '.join(columns)}) VALUES ({placeholders}) RETURNING *",
        *values.values(),
    )
    return row


async def fixes(conn: asyncpg.Connection | asyncpg.Pool, trip_id: str) -> list[asyncpg.Record]:
    return list(
        await conn.fetch("SELECT * FROM exception_fixes WHERE trip_id = $1 ORDER BY id", trip_id)
    )
