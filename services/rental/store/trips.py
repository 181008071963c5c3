"""Rental orders: the list, one order with its bike and lock, the exception fix."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.rental.domain.query import RETURN_WINDOW_DAYS, OrderQuery
from services.rental.domain.trips import ExceptionFix, LockReport, Order, Trip
from services.rental.store.sql import Args, phone_condition, where
from shared.db import Db
from shared.db.rows import row_as, rows_as
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


async def search(conn: Db, query: OrderQuery, after: Position | None) -> list[Order]:
    sql, args = search_sql(query, after)
    return rows_as(Order, await conn.fetch(sql, *args))


async def get(conn: Db, trip_id: str) -> Order | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM trips t{_JOIN} WHERE t.trip_id = $1", trip_id
    )
    return None if row is None else row_as(Order, row)


def _trip_or_none(row: asyncpg.Record | None) -> Trip | None:
    return None if row is None else row_as(Trip, row)


async def lock(conn: asyncpg.Connection, trip_id: str) -> Trip | None:
    row = await conn.fetchrow("SELECT * FROM trips WHERE trip_id = $1 FOR UPDATE", trip_id)
    return _trip_or_none(row)


async def latest_of_user(conn: Db, user_id: str) -> Trip | None:
    row = await conn.fetchrow(
        "SELECT * FROM trips WHERE user_id = $1 ORDER BY started_at DESC, trip_id DESC LIMIT 1",
        user_id,
    )
    return _trip_or_none(row)


async def latest_of_bike(conn: Db, bike_id: str) -> Trip | None:
    row = await conn.fetchrow(
        "SELECT * FROM trips WHERE bike_id = $1 ORDER BY started_at DESC, trip_id DESC LIMIT 1",
        bike_id,
    )
    return _trip_or_none(row)


async def lock_state(conn: Db, bike_id: str) -> LockReport | None:
    row = await conn.fetchrow("SELECT * FROM bike_locks WHERE bike_id = $1", bike_id)
    return None if row is None else row_as(LockReport, row)


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


async def record_fix(conn: asyncpg.Connection, **values: Any) -> ExceptionFix:
    columns = list(values)
    placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO exception_fixes ({', '.join(columns)}) VALUES ({placeholders}) RETURNING *",
        *values.values(),
    )
    return row_as(ExceptionFix, row)


async def fixes(conn: Db, trip_id: str) -> list[ExceptionFix]:
    rows = await conn.fetch("SELECT * FROM exception_fixes WHERE trip_id = $1 ORDER BY id", trip_id)
    return rows_as(ExceptionFix, rows)
