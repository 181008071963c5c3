"""Feedback and insurance applications: lists, one item, and the decision.

Both tables have the same shape of decision columns; ``table`` and ``id_column``
come from handlers.decisions' fixed kinds, never from a request.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.rental.store.sql import Args, where
from shared.paging import Position

TIME_COLUMN = {"feedback": "submitted_at", "insurance_applications": "applied_at"}


async def page(
    conn: asyncpg.Connection | asyncpg.Pool,
    table: str,
    id_column: str,
    *,
    status: str | None,
    user_id: str | None,
    after: Position | None,
    limit: int,
) -> list[asyncpg.Record]:
    at = TIME_COLUMN[table]
    arg = Args()
    conditions: list[str] = []
    if status is not None:
        conditions.append(f"status = {arg(status)}")
    if user_id is not None:
        conditions.append(f"user_id = {arg(user_id)}")
    if after is not None:
        conditions.append(f"({at}, {id_column}) < ({arg(after.at)}, {arg(after.id)})")
    sql = (
        f"SELECT * FROM {table}{where(conditions)} ORDER BY {at} DESC, {id_column} DESC"
        f" LIMIT {arg(limit + 1)}"
    )
    return list(await conn.fetch(sql, *arg.values))


async def get(
    conn: asyncpg.Connection | asyncpg.Pool, table: str, id_column: str, item_id: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT * FROM {table} WHERE {id_column} = $1", item_id)


async def lock(
    conn: asyncpg.Connection, table: str, id_column: str, item_id: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT * FROM {table} WHERE {id_column} = $1 FOR UPDATE", item_id)


async def decide(
    conn: asyncpg.Connection,
    table: str,
    id_column: str,
    item_id: str,
    status: str,
    by: str,
    at: datetime,
    reason: str | None,
) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        f"UPDATE {table} SET status = $2, decided_by = $3, decided_at = $4,"
        f" decision_reason = $5 WHERE {id_column} = $1 RETURNING *",
        item_id,
        status,
        by,
        at,
        reason,
    )
    return row
