"""A notify service per test module, on the real database and broker.

The app runs inside its lifespan with a unique service name (its own database and
consumer groups); tests publish real CloudEvents requests through aiokafka, as the
other services would, drive its HTTP API through httpx, and read what it publishes
(``notify.sms.sent.v1``, ``notify.sms.failed.v1``) and dead-letters. Each test uses
its own phones, recipients and dedupe keys.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from services.notify.app import create_app
from services.notify.settings import NotifySettings
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_FAILED,
    NOTIFY_SMS_REQUESTED,
    NOTIFY_SMS_SENT,
)
from shared.devstack.broker import EmbeddedBroker, free_port
from tests.infra import Infra, eventually, settings_of
from tests.kafka import Record, TopicWatcher, fields, producing, publish
from tests.serving import serving

ACTOR = {"X-Kefu-Actor": "lead.wang", "X-Kefu-Roles": "duty_lead"}
WATCHED = (
    NOTIFY_SMS_REQUESTED.name,
    NOTIFY_SMS_SENT.name,
    NOTIFY_SMS_FAILED.name,
    NOTIFY_SMS_REQUESTED.dlq,
    NOTIFY_INAPP_REQUESTED.dlq,
)


def phone(ending: str | None = None) -> str:
    """A fresh 11-digit phone; ``ending`` picks a sandbox test number (0000, 0001, ...)."""
    end = ending or str(random.randint(1000, 9999))  # never a sandbox failure ending
    return f"13{random.randint(0, 99999):05d}{end}"


def key(label: str = "test") -> str:
    return f"{label}:{uuid.uuid4().hex[:12]}"


@dataclass
class Seen:
    """What the service published on the watched topics, found by dedupe key."""

    watcher: TopicWatcher

    def of(self, topic: str, dedupe_key: str) -> list[Record]:
        return self.watcher.where(topic, fields(dedupe_key=dedupe_key))

    async def wait(
        self, topic: str, dedupe_key: str, count: int = 1, within: float = 15.0
    ) -> list[Record]:
        return await self.watcher.wait(topic, fields(dedupe_key=dedupe_key), count, within=within)


@dataclass
class Notify:
    app: FastAPI
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    settings: NotifySettings
    producer: AIOKafkaProducer
    seen: Seen

    async def request(
        self, topic: str, payload: dict[str, Any], *, key: str, ce_id: str | None = None
    ) -> str:
        return await publish(self.producer, topic, payload, key=key, ce_id=ce_id)

    async def sms(
        self, to: str, dedupe_key: str, *, ce_id: str | None = None, **fields: Any
    ) -> str:
        payload: dict[str, Any] = {
            "phone": to,
            "dedupe_key": dedupe_key,
            "requested_by": "tests",
            **fields,
        }
        if "template_id" not in payload and "text" not in payload:
            payload |= {
                "template_id": "points_refunded",
                "params": {"merchant_order_no": "M1", "points": 2000},
            }
        return await self.request(NOTIFY_SMS_REQUESTED.name, payload, key=to, ce_id=ce_id)

    async def inapp(self, recipient: str, dedupe_key: str, **fields: Any) -> str:
        payload = {
            "recipient": recipient,
            "dedupe_key": dedupe_key,
            "requested_by": "tests",
            **fields,
        }
        return await self.request(NOTIFY_INAPP_REQUESTED.name, payload, key=recipient)

    async def sms_row(self, dedupe_key: str) -> asyncpg.Record | None:
        return await self.pool.fetchrow(
            "SELECT * FROM sms_messages WHERE dedupe_key = $1", dedupe_key
        )

    async def wait_status(
        self, dedupe_key: str, *statuses: str, within: float = 15.0
    ) -> asyncpg.Record:
        async def reached() -> asyncpg.Record | None:
            row = await self.sms_row(dedupe_key)
            return row if row is not None and row["status"] in statuses else None

        row: asyncpg.Record = await eventually(reached, within=within)
        return row

    async def ledger(self, to: str) -> list[asyncpg.Record]:
        """What the sandbox providers sent to ``to`` (their own books)."""
        return list(
            await self.pool.fetch(
                "SELECT * FROM sandbox_sms_ledger WHERE phone = $1 ORDER BY accepted_at", to
            )
        )

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.http.get(path, params=params, headers=ACTOR)
        assert response.status_code == 200, response.text
        return response.json()


def notify_settings(infra: Infra, home: Path, **overrides: Any) -> NotifySettings:
    return settings_of(
        NotifySettings,
        infra,
        home=home,
        sms_rate_limit_count=3,
        sms_max_attempts=3,
        **overrides,
    )


@contextlib.asynccontextmanager
async def running_notify(settings: NotifySettings) -> AsyncIterator[Notify]:
    app = create_app(settings, service=f"notify{uuid.uuid4().hex[:8]}")
    async with (
        producing(settings.kafka_bootstrap) as producer,
        serving(app, "http://notify") as http,
        TopicWatcher(settings.kafka_bootstrap, *WATCHED) as watcher,
    ):
        yield Notify(app, http, app.state.platform.pool, settings, producer, Seen(watcher))


@pytest.fixture(scope="module")
async def notify(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Notify]:
    settings = notify_settings(infra, tmp_path_factory.mktemp("notify"))
    async with running_notify(settings) as running:
        yield running


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of the test's own: no other test's requests left on the shared topics."""
    own = EmbeddedBroker(free_port(), tmp_path / "broker.log")
    own.start()
    yield own
    own.stop()


@pytest.fixture
async def alone(infra: Infra, broker: EmbeddedBroker, tmp_path: Path) -> AsyncIterator[Notify]:
    """A notify service of the test's own: its database (service name) on its own broker."""
    settings = notify_settings(infra, tmp_path / ".kefu", kafka_bootstrap=broker.bootstrap)
    async with running_notify(settings) as running:
        yield running
