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


async def claim_many(
    conn: asyncpg.Connection,
    consumer: str,
    ce_ids: Sequence[str],
    lock_keys: Sequence[str] = (),
) -> set[str]:
    """The subset of ``ce_ids`` new to ``consumer``, now recorded as seen.

    With ``lock_keys``: first, in the same statement, a transaction-level advisory lock on
    each key (:data:`KEY_LOCK`), so a handler that serialises on them needs no round trip
    of its own to lock."""
    if not lock_keys:
        rows = await conn.fetch(_CLAIM, consumer, list(ce_ids))
    else:
        rows = await conn.fetch(_CLAIM_LOCKED, consumer, list(ce_ids), list(lock_keys))
    return {r["ce_id"] for r in rows}


_CLAIM = (
    "INSERT INTO inbox (consumer, ce_id) SELECT $1, unnest($2::text[])"
    " ON CONFLICT DO NOTHING RETURNING ce_id"
)

KEY_LOCK = "hashtextextended({}, 0)"
"""The advisory lock a key is serialised with (its text hashed): whoever else locks these
keys (points' refunds when a request is applied alone) must lock the same numbers."""

_CLAIM_LOCKED = (
    "INSERT INTO inbox (consumer, ce_id) SELECT $1, unnest($2::text[])"
    " FROM (SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT "
    + KEY_LOCK.format("key")
    + " AS k FROM unnest($3::text[]) AS key ORDER BY k) AS keys) AS locked"
    " ON CONFLICT DO NOTHING RETURNING ce_id"
)
""":data:`_CLAIM` once every key is locked (the count reads them all before a row is
inserted), in the keys' order, so two batches never wait on each other in a circle, nor on
each other's inbox rows while holding a lock the other needs."""


async def release(conn: asyncpg.Connection, consumer: str, ce_ids: Sequence[str]) -> None:
    """Forget ids claimed in this transaction whose messages were not applied after all."""
    await conn.execute(
        "DELETE FROM inbox WHERE consumer = $1 AND ce_id = ANY($2::text[])", consumer, list(ce_ids)
    )
