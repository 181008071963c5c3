"""The user guide's versions: append-only."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.rental.domain.guide import GuideVersion, GuideVersionSummary
from shared.db import Db

_VERSION = "version, content, note, saved_by, saved_at"


def _version(row: asyncpg.Record) -> GuideVersion:
    return GuideVersion(
        version=row["version"],
        content=row["content"],
        note=row["note"],
        saved_by=row["saved_by"],
        saved_at=row["saved_at"],
    )


async def latest(conn: Db) -> GuideVersion | None:
    row = await conn.fetchrow(
        f"SELECT {_VERSION} FROM guide_versions ORDER BY version DESC LIMIT 1"
    )
    return None if row is None else _version(row)


async def version(conn: Db, number: int) -> GuideVersion | None:
    row = await conn.fetchrow(f"SELECT {_VERSION} FROM guide_versions WHERE version = $1", number)
    return None if row is None else _version(row)


async def versions(conn: Db, before: int | None, limit: int) -> list[GuideVersionSummary]:
    """Newest first, below version ``before``; ``limit + 1`` (the extra says more follow)."""
    rows = await conn.fetch(
        "SELECT version, note, saved_by, saved_at, length(content) AS length"
        " FROM guide_versions WHERE ($1::int IS NULL OR version < $1)"
        " ORDER BY version DESC LIMIT $2",
        before,
        limit + 1,
    )
    return [
        GuideVersionSummary(
            version=r["version"],
            note=r["note"],
            saved_by=r["saved_by"],
            saved_at=r["saved_at"],
            length=r["length"],
        )
        for r in rows
    ]


async def insert(
    conn: asyncpg.Connection, number: int, content: str, note: str | None, by: str, at: datetime
) -> GuideVersion:
    row = await conn.fetchrow(
        f"INSERT INTO guide_versions ({_VERSION}) VALUES ($1, $2, $3, $4, $5) RETURNING {_VERSION}",
        number,
        content,
        note,
        by,
        at,
    )
    return _version(row)
