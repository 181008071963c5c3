"""A database of its own per test with the shared messaging tables migrated (a test module
that needs another schema defines its own ``pool``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db.migrate import SHARED_MIGRATIONS, migrate
from shared.db.pool import create_pool, ensure_database
from shared.settings import database_url_with_name
from tests.infra import Infra


@pytest.fixture
async def pool(infra: Infra) -> AsyncIterator[asyncpg.Pool]:
    url = database_url_with_name(infra.database_url, f"shared_{uuid.uuid4().hex[:8]}")
    await ensure_database(url)
    pool = await create_pool(url)
    await migrate(pool, [("shared", SHARED_MIGRATIONS)])
    try:
        yield pool
    finally:
        await pool.close()
