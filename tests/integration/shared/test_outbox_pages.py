"""How the outbox's rows are written (shared migration 0006): a row the relay marks sent
keeps its page when the page was filled by inserts alone, so the mark's WAL record holds
what changed, not the message again."""

from __future__ import annotations

import asyncpg
import pytest

from shared.contracts import Contract, Topic
from shared.messaging.outbox import TAKE_UNSENT, enqueue

pytestmark = pytest.mark.integration


class Note(Contract):
    account: str
    text: str


NOTE = Topic("test.outbox.note.v1", Note, key="account", summary="t", producer="test")


async def page_of(conn: asyncpg.Connection, row_id: int) -> int:
    return int(
        await conn.fetchval("SELECT (ctid::text::point)[0] FROM outbox WHERE id = $1", row_id)
    )


async def test_a_message_marked_sent_stays_on_its_page(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        async with conn.transaction():  # enough messages to fill more than one page
            for n in range(80):
                await enqueue(conn, NOTE, Note(account=f"a{n}", text="x" * 200), source="test")
        first = int(await conn.fetchval("SELECT min(id) FROM outbox"))
        assert await page_of(conn, first) == 0
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE (ctid::text::point)[0] > 0")
        async with conn.transaction():
            [taken] = await conn.fetch(TAKE_UNSENT, 1, [])
        assert taken["id"] == first
        assert await page_of(conn, first) == 0
        assert await conn.fetchval("SELECT sent_at IS NOT NULL FROM outbox WHERE id = $1", first)
