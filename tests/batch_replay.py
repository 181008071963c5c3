"""One consumer batch applied exactly as the runtime applies one off Kafka (issue 14 point 8).

The batch handlers that roll back and replay their whole batch when one message fails are
right only while every effect they have stays in the service's database: the rollback
undoes the first round, so the replay does each batch-mate once. These helpers hand the
runtime one batch (no broker in between, so it is one batch for sure) and return what a
test needs to show that: the messages' ids, that the replay path was taken, and what
left the database meanwhile (the outbox: everything a service publishes goes through it).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from shared.messaging import cloudevents
from shared.messaging.consumer import ConsumerRuntime, RawMessage, Subscription

REPLAYED = "batch failed; applying one at a time"


@dataclass(frozen=True)
class Record:
    """What the runtime reads of an aiokafka record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: list[tuple[str, bytes]]
    value: bytes


async def apply_one_batch(
    runtime: ConsumerRuntime, name: str, payloads: Sequence[dict[str, Any]]
) -> list[str]:
    """Hand subscription ``name`` the payloads as one batch; their CloudEvents ids."""
    sub = runtime.subscriptions[name]
    records, ids = [], []
    for offset, payload in enumerate(payloads):
        headers = cloudevents.make_headers(ce_type=sub.topic.ce_type, source="/tests/batch")
        ids.append(headers["ce_id"])
        value = json.dumps(payload).encode()
        records.append(Record(sub.topic.name, 0, offset, b"k", cloudevents.encode(headers), value))
    await runtime.process(sub, records)
    return ids


@contextlib.contextmanager
def dead_letters(runtime: ConsumerRuntime) -> Iterator[list[str]]:
    """The CloudEvents ids ``runtime`` dead-letters while the block runs, in order.

    By id, not by the runtime's count: the service's own consumer runs beside the test and
    may dead-letter another test's message (one consumer reads all the service's topics)
    at the same moment: a count would take it for one of this batch's, and a test compares
    only the ids of its own batch."""
    seen: list[str] = []
    original = runtime.dead_letter

    async def recording(sub: Subscription[Any], raw: RawMessage, reason: str, error: str) -> None:
        await original(sub, raw, reason, error)
        seen.append(cloudevents.decode(raw.headers).get("ce_id", ""))

    runtime.dead_letter = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del runtime.dead_letter  # the class's method again


def replayed(caplog: pytest.LogCaptureFixture, name: str) -> bool:
    """Whether the runtime rolled the batch of ``name`` back and applied it one at a time."""
    return any(
        r.getMessage() == REPLAYED and getattr(r, "fields", {}).get("consumer") == name
        for r in caplog.records
    )


async def parked_ids(pool: asyncpg.Pool, name: str) -> set[str]:
    rows = await pool.fetch("SELECT ce_id FROM parked_messages WHERE consumer = $1", name)
    return {r["ce_id"] for r in rows}


async def outbox_rows(pool: asyncpg.Pool) -> int:
    """Every message the service ever enqueued for publishing (sent or not)."""
    count: int = await pool.fetchval("SELECT count(*) FROM outbox")
    return count


def watch(caplog: pytest.LogCaptureFixture) -> None:
    """Keep the runtime's INFO lines, where it says it replayed a batch."""
    caplog.set_level(logging.INFO, logger="shared.messaging.consumer")


async def outside_effects(pool: asyncpg.Pool) -> dict[str, int]:
    """Rows of what reaches outside the service's own books: its outbox (what it
    publishes) and every sandbox adapter's ledger (the outside systems it calls)."""
    tables = await pool.fetch(
        "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables"
        " WHERE table_schema LIKE 'sandbox%' OR table_name LIKE 'sandbox%'"
        " OR (table_schema = 'public' AND table_name = 'outbox')"
    )
    return {
        t["name"]: await pool.fetchval(
            f"SELECT count(*) FROM {t['name']}"
        )  # names from the catalogue
        for t in tables
    }
