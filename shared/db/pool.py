"""Connection pools and per-service databases."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg

from shared.observability.db import TracedConnection
from shared.settings import database_url_with_name


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb columns come and go as Python objects; payloads themselves are stored as bytes.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release without asyncpg's reset query (``RESET ALL; UNLISTEN *; ...``).

    That query is a round trip on every release, about 5 % of a busy service's time,
    and resets nothing we leave behind: we set no session state, hold only
    transaction-scoped advisory locks (the migration lock is unlocked explicitly),
    and the two listeners (outbox relay, operation waiters) unlisten before release.
    asyncpg still rolls back a transaction left open before calling this.
    """


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_keep_session,
        command_timeout=30,
        connection_class=TracedConnection,  # a span per statement inside a traced operation
    )
    assert pool is not None
    return pool


@contextlib.asynccontextmanager
async def read_snapshot(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a read-only REPEATABLE READ transaction: every read of a view
    or report sees the same committed state, never a write landing between two of them."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        yield conn


async def ensure_database(database_url: str) -> None:
    """Create the URL's database on its server if it does not exist yet."""
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(database_url_with_name(database_url, "postgres"))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # another process may create it between our check and our create
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
