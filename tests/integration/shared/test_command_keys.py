"""shared.idempotency on a real database: a key is bound to its command's fingerprint,
and a key claimed before fingerprints were kept (migration 0004) is judged by its
label, as it was then."""

from __future__ import annotations

import asyncpg
import pytest

from shared import idempotency
from shared.errors import IdempotencyKeyReused
from shared.idempotency import Answer, Command

pytestmark = pytest.mark.integration
VOID = Command("void", "C1", {"reason": "工单 1"})


async def claim(pool: asyncpg.Pool, key: str, command: Command) -> idempotency.Claim | None:
    async with pool.acquire() as conn, conn.transaction():
        claimed = await idempotency.claim(conn, key, command, "op-1")
        if claimed is None:
            await idempotency.keep_answer(conn, key, Answer(200, {"done": True}))
        return claimed


async def test_a_key_answers_its_command_and_refuses_another(pool: asyncpg.Pool) -> None:
    assert await claim(pool, "k1", VOID) is None
    again = await claim(pool, "k1", Command("void", "C1", {"reason": "工单 1"}))
    assert again is not None and again.answer == Answer(200, {"done": True})
    for other in (
        Command("void", "C1", {"reason": "工单 2"}),
        Command("void", "C2", {"reason": "工单 1"}),
    ):
        with pytest.raises(IdempotencyKeyReused):
            await claim(pool, "k1", other)
    row = await pool.fetchrow("SELECT command, fingerprint FROM command_keys WHERE key = 'k1'")
    assert (row["command"], row["fingerprint"]) == ("void:C1", VOID.fingerprint)
    assert "工单" not in str(dict(row))


async def test_a_key_from_before_fingerprints_is_judged_by_its_label(pool: asyncpg.Pool) -> None:
    await pool.execute(
        "INSERT INTO command_keys (key, command, subject) VALUES ('old', 'void:C1', 'op-0')"
    )
    kept = await claim(pool, "old", Command("void", "C1", {"reason": "any"}))
    assert kept is not None and kept.subject == "op-0"
    with pytest.raises(IdempotencyKeyReused):
        await claim(pool, "old", Command("void", "C2", {"reason": "any"}))
