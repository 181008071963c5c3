"""Redrive: put dead-lettered messages back on their original topic, once each.

Each redrive is recorded in the ops tools' own database (``kefu_ops``, table
``dlq_redrives``, keyed by DLQ topic, partition and offset). The row is written
and the message published inside one transaction, committed only after the
broker acknowledged the message: a failed publish records nothing (run it
again), and a crash between the acknowledgement and the commit republishes at
most once more, which the consumers' inbox skips (the ``ce_id`` is kept). A
marker header could not do this: Kafka messages cannot be changed, and finding
a marker again means scanning the original topic.
"""

from __future__ import annotations

import getpass
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import asyncpg
from aiokafka import AIOKafkaProducer

from shared.db.migrate import migrate
from shared.db.pool import create_pool, ensure_database
from shared.messaging.kafka import make_producer
from shared.ops.dlq import DlqEntry, list_entries
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
OPS_DATABASE = "ops"

Outcome = Literal["redriven", "would_redrive", "already_redriven"]


@dataclass(frozen=True)
class Redriven:
    entry: DlqEntry
    outcome: Outcome


async def open_ops_db(settings: Settings, database: str = OPS_DATABASE) -> asyncpg.Pool:
    url = settings.database_url_for(database)
    await ensure_database(url)
    pool = await create_pool(url, max_size=2)
    await migrate(pool, [("ops", MIGRATIONS)])
    return pool


def select(
    entries: Sequence[DlqEntry], offsets: Collection[tuple[int, int]] | None
) -> list[DlqEntry]:
    """The entries at these (partition, offset) pairs; all of them when ``offsets`` is None."""
    if offsets is None:
        return list(entries)
    return [e for e in entries if (e.partition, e.offset) in offsets]


async def redrive(
    settings: Settings,
    dlq_topic: str,
    *,
    offsets: Collection[tuple[int, int]] | None,
    dry_run: bool = False,
    database: str = OPS_DATABASE,
    operator: str | None = None,
    idle_seconds: float = 1.5,
) -> list[Redriven]:
    """Republish the chosen entries of ``dlq_topic`` (``offsets=None``: all of them)."""
    entries = select(
        await list_entries(settings, dlq_topic, limit=1_000_000, idle_seconds=idle_seconds),
        offsets,
    )
    missing = set(offsets or ()) - {(e.partition, e.offset) for e in entries}
    if missing:
        raise LookupError(f"{dlq_topic} has no message at {sorted(missing)} (partition, offset)")
    pool = await open_ops_db(settings, database)
    try:
        if dry_run:
            return [Redriven(e, await _dry(pool, e)) for e in entries]
        producer = make_producer(settings)
        await producer.start()
        try:
            by = operator or _who()
            return [Redriven(e, await _redrive_one(pool, producer, e, by)) for e in entries]
        finally:
            await producer.stop()
    finally:
        await pool.close()


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        return "unknown"


async def _dry(pool: asyncpg.Pool, entry: DlqEntry) -> Outcome:
    done = await pool.fetchval(
        'SELECT 1 FROM dlq_redrives WHERE dlq_topic = $1 AND partition = $2 AND "offset" = $3',
        entry.dlq_topic,
        entry.partition,
        entry.offset,
    )
    return "already_redriven" if done else "would_redrive"


async def _redrive_one(
    pool: asyncpg.Pool, producer: AIOKafkaProducer, entry: DlqEntry, by: str
) -> Outcome:
    async with pool.acquire() as conn, conn.transaction():
        # the row lock also makes a second redrive running at once wait, then skip
        claimed = await conn.fetchval(
            'INSERT INTO dlq_redrives (dlq_topic, partition, "offset", target_topic, ce_id,'
            " redriven_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1",
            entry.dlq_topic,
            entry.partition,
            entry.offset,
            entry.original_topic,
            entry.ce_id,
            by,
        )
        if not claimed:
            return "already_redriven"
        await producer.send_and_wait(
            entry.original_topic,
            value=entry.value,
            key=entry.key,
            headers=entry.republished_headers(),
        )
    return "redriven"
