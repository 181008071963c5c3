"""The user guide's versions: append-only."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def latest(conn: asyncpg.Connection | asyncpg.Pool) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM guide_versions ORDER BY version DESC LIMIT 1")


async def version(conn: asyncpg.Connection | asyncpg.Pool, number: int) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM guide_versions WHERE version = $1", number)


async def versions(
    conn: asyncpg.Connection | asyncpg.Pool, before: int | None, limit: int
) -> list[asyncpg.Record]:
    """Newest first, below version ``before``; ``limit + 1`` rows (the extra says more follow)."""
    return list(
        await conn.fetch(
            "SELECT version, note, saved_by, saved_at, length(content) AS length"
            " FROM guide_versions WHERE ($1::int IS NULL OR version < $1)"
            " ORDER BY version DESC LIMIT $2",
            before,
            limit + 1,
        )
    )


async def insert(
    conn: asyncpg.Connection, number: int, content: str, note: str | None, by: str, at: datetime
) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        "INSERT INTO guide_versions (version, content, note, saved_by, saved_at)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING *",
        number,
        content,
        note,
        by,
        at,
    )
    return row
