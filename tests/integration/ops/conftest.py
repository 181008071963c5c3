"""A small service of the tests' own on the real platform: one topic, one subscription.

It runs the platform every service runs (database, outbox, consumer runtime with
inbox, parking and DLQ) with a handler that records each message it applies in
an ``effects`` table without a unique key, so an effect applied twice shows.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from shared.cli import _parser
from shared.contracts import Contract, Topic
from shared.errors import DomainError
from shared.messaging import cloudevents
from shared.messaging.consumer import Envelope, Subscription
from shared.ops.commands import run
from shared.ops.reading import read
from shared.platform import Platform
from shared.settings import Settings
from tests.infra import eventually
from tests.kafka import publish


class Effect(Contract):
    key: str
    poison: bool = False


@dataclass
class OpsService:
    platform: Platform
    topic: Topic[Effect]
    producer: AIOKafkaProducer
    settings: Settings
    refuse_poison: bool = True

    @property
    def consumer(self) -> str:
        return "ops.effects"

    async def publish(self, key: str, *, poison: bool = False, raw: bytes | None = None) -> str:
        value = raw if raw is not None else Effect(key=key, poison=poison).model_dump_json()
        return await publish(
            self.producer,
            self.topic.name,
            value if isinstance(value, bytes) else value.encode(),
            key=key,
            ce_type=self.topic.ce_type,
        )

    async def effects(self, key: str) -> int:
        n = await self.platform.pool.fetchval("SELECT count(*) FROM effects WHERE key = $1", key)
        return int(n)

    async def wait_effects(self, key: str, count: int = 1) -> None:
        async def reached() -> bool:
            return await self.effects(key) >= count

        await eventually(reached, what=f"{count} effects of {key}")

    async def copies_on_topic(self, ce_id: str) -> list[Any]:
        """Every record of the topic carrying this CloudEvents id."""
        return [
            r
            async for r in read(self.settings, self.topic.name, idle_seconds=0.5)
            if cloudevents.decode(r.headers).get("ce_id") == ce_id
        ]


async def kefu(settings: Settings, *argv: str) -> tuple[int, str]:
    """Run a ``kefu`` ops subcommand as the command line parses it; its status and output.
    Topics here go quiet at once: half a second of quiet is their end."""
    reads = argv[0] in ("dlq", "replay")
    args: argparse.Namespace = _parser().parse_args([*argv, *(["--wait", "0.5"] if reads else [])])
    out = io.StringIO()
    status = await run(args, settings, out)
    return status, out.getvalue()


@contextlib.asynccontextmanager
async def running(
    settings: Settings, topic: Topic[Effect], service: str
) -> AsyncIterator[OpsService]:
    """The test service, as one replica (a second one on the same ``service`` shares its
    database and consumer group)."""
    platform = Platform(service, settings, None)
    await platform.open(topics=[topic])
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    ops = OpsService(platform, topic, producer, settings)
    await platform.pool.execute(
        "CREATE TABLE IF NOT EXISTS effects"
        " (id bigserial PRIMARY KEY, key text NOT NULL, ce_id text NOT NULL)"
    )

    async def apply(conn: Any, env: Envelope[Effect]) -> None:
        if env.payload.poison and ops.refuse_poison:
            raise DomainError("poison refused (test)", code="poison")
        await conn.execute(
            "INSERT INTO effects (key, ce_id) VALUES ($1, $2)", env.payload.key, env.meta.id
        )

    try:
        await platform.consume([Subscription(topic, apply, ops.consumer)])
        yield ops
    finally:
        await producer.stop()
        await platform.close()


@pytest.fixture
async def ops_service(settings: Settings, unique: str) -> AsyncIterator[OpsService]:
    topic = Topic(f"ops.t{unique}.v1", Effect, "key", "test messages", "tests")
    async with running(settings, topic, f"ops_{unique}") as service:
        yield service


def payload_of(record: Any) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(record.value)
    return value
