"""The inbox: a consumer records each message id in the transaction of its effect.

A redelivered message finds its id there and is skipped, so every effect
happens once however often Kafka delivers the message.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg


async def claim(conn: asyncpg.Connection, consumer: str, ce_id: str) -> bool:
    """True if this message is new to ``consumer`` (and is now recorded as seen)."""
    row = await conn.fetchval(
        "INSERT INTO inbox (consumer, ce_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
        consumer,
        ce_id,
    )
    return row is not None


async def claim_many(conn: asyncpg.Connection, consumer: str, ce_ids: Sequence[str]) -> set[str]:
    """The subset of ``ce_ids`` new to ``consumer``, now recorded as seen."""
    rows = await conn.fetch(
        "INSERT INTO inbox (consumer, ce_id) SELECT $1, unnest($2::text[])"
        " ON CONFLICT DO NOTHING RETURNING ce_id",
        consumer,
        list(ce_ids),
    )
    return {r["ce_id"] for r in rows}


async def release(conn: asyncpg.Connection, consumer: str, ce_ids: Sequence[str]) -> None:
    """Forget ids claimed in this transaction whose messages were not applied after all."""
    await conn.execute(
        "DELETE FROM inbox WHERE consumer = $1 AND ce_id = ANY($2::text[])", consumer, list(ce_ids)
    )
