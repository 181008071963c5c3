"""Forward-only SQL migrations: ``NNNN_name.sql`` files applied once each, in order.

Every service applies the shared messaging tables first, then its own folder.
An advisory lock keeps two replicas starting at once from racing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import asyncpg

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_ID = 7_414_551  # any constant: one advisory lock per database for migrations


async def migrate(pool: asyncpg.Pool, folders: Sequence[tuple[str, Path]]) -> list[str]:
    """Apply what is not applied yet; return the names applied now."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
            for label, folder in folders:
                for path in sorted(folder.glob("*.sql")):
                    name = f"{label}/{path.name}"
                    if name in done:
                        continue
                    async with conn.transaction():
                        await conn.execute(path.read_text(encoding="utf-8"))
                        await conn.execute("INSERT INTO schema_migrations(name) VALUES ($1)", name)
                    applied_now.append(name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return applied_now
