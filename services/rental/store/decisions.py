"""Feedback and insurance applications: lists, one item, and the decision.

Both tables have the same shape of decision columns; ``table`` and ``id_column``
come from handlers.decisions' fixed kinds, never from a request.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.rental.domain.decisions import Submission
from services.rental.domain.model import Decision
from services.rental.store.sql import Args, where
from shared.db import Db
from shared.paging import Position

TIME_COLUMN = {"feedback": "submitted_at", "insurance_applications": "applied_at"}
TEXT_COLUMN = {"feedback": "content", "insurance_applications": "description"}


def _submission(table: str, id_column: str, row: asyncpg.Record) -> Submission:
    return Submission(
        id=row[id_column],
        user_id=row["user_id"],
        trip_id=row["trip_id"],
        text=row[TEXT_COLUMN[table]],
        claimed_cents=row["claimed_cents"] if table == "insurance_applications" else None,
        at=row[TIME_COLUMN[table]],
        status=Decision(row["status"]),
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_reason=row["decision_reason"],
    )


async def page(
    conn: Db,
    table: str,
    id_column: str,
    *,
    status: str | None,
    user_id: str | None,
    after: Position | None,
    limit: int,
) -> list[Submission]:
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
    return [_submission(table, id_column, r) for r in await conn.fetch(sql, *arg.values)]


async def get(conn: Db, table: str, id_column: str, item_id: str) -> Submission | None:
    row = await conn.fetchrow(f"SELECT * FROM {table} WHERE {id_column} = $1", item_id)
    return None if row is None else _submission(table, id_column, row)


async def lock(
    conn: asyncpg.Connection, table: str, id_column: str, item_id: str
) -> Submission | None:
    row = await conn.fetchrow(f"SELECT * FROM {table} WHERE {id_column} = $1 FOR UPDATE", item_id)
    return None if row is None else _submission(table, id_column, row)


async def decide(
    conn: asyncpg.Connection,
    table: str,
    id_column: str,
    item_id: str,
    status: str,
    by: str,
    at: datetime,
    reason: str | None,
) -> Submission:
    row = await conn.fetchrow(
        f"UPDATE {table} SET status = $2, decided_by = $3, decided_at = $4,"
        f" decision_reason = $5 WHERE {id_column} = $1 RETURNING *",
        item_id,
        status,
        by,
        at,
        reason,
    )
    return _submission(table, id_column, row)
