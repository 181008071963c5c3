"""A rental service per test module, on the real database and broker.

The app runs inside its lifespan with a unique service name (its own database and
consumer groups). Tests publish the bike platform's events as real CloudEvents
through aiokafka, drive the HTTP API through httpx, and read what the service
publishes (blacklist messages, in-app notifications) and dead-letters. Each test
uses its own user, trip and bike ids.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from services.rental.app import create_app
from services.rental.settings import RentalSettings
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    RENTAL_FEEDBACK_SUBMITTED,
    RENTAL_INSURANCE_APPLIED,
    RENTAL_LOCK_STATE_REPORTED,
    RENTAL_TRIP_ENDED,
    RENTAL_TRIP_STARTED,
    RENTAL_USER_BLACKLISTED,
    RENTAL_USER_REGISTERED,
    RENTAL_USER_RESTORED,
)
from tests.clocks import TellsWhenMoved
from tests.infra import Infra, eventually, settings_of
from tests.kafka import (
    Predicate,
    TopicWatcher,
    consumer_states,
    payloads,
    producing,
    publish_at,
)
from tests.serving import serving

AGENT = {"X-Kefu-Actor": "agent.li", "X-Kefu-Roles": "agent"}
WATCHED = (
    RENTAL_USER_BLACKLISTED.name,
    RENTAL_USER_RESTORED.name,
    NOTIFY_INAPP_REQUESTED.name,
    RENTAL_TRIP_ENDED.dlq,
    RENTAL_TRIP_STARTED.dlq,
)


def new_id(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


def phone() -> str:
    return f"13{random.randint(0, 999_999_999):09d}"


def point(n: int = 1) -> dict[str, Any]:
    return {
        "point_id": f"P{n}",
        "name": f"西湖租赁点{n}",
        "latitude": "30.259244",
        "longitude": "120.130200",
    }


class Clock(TellsWhenMoved):
    """The service's clock, which a test may move (moving it wakes the sweeps)."""

    def __init__(self) -> None:
        self._now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self._now

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, moved_to: datetime) -> None:
        self._now = moved_to
        self.moved()


@dataclass
class Seen:
    """What the service published on the watched topics, as payloads."""

    watcher: TopicWatcher

    def where(self, topic: str, match: Predicate) -> list[dict[str, Any]]:
        return payloads(self.watcher.where(topic, match))

    async def wait(
        self, topic: str, match: Predicate, within: float = 30.0
    ) -> list[dict[str, Any]]:
        found = await self.watcher.wait(topic, match, within=within, what=f"a message on {topic}")
        return payloads(found)


@dataclass
class Rental:
    app: FastAPI
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    settings: RentalSettings
    producer: AIOKafkaProducer
    seen: Seen
    clock: Clock
    sent: list[tuple[str, int, int, str, str]] = field(default_factory=list)

    async def publish(
        self, topic: str, payload: dict[str, Any], *, key: str, ce_id: str | None = None
    ) -> str:
        sent, metadata = await publish_at(
            self.producer, topic, payload, key=key, ce_id=ce_id, source="/tests/platform"
        )
        self.sent.append((topic, metadata.partition, metadata.offset, key, sent))
        return sent

    async def register(
        self,
        user_id: str | None = None,
        *,
        name: str = "张三",
        at: datetime | None = None,
        phone_no: str | None = None,
    ) -> str:
        user_id = user_id or new_id("u")
        event_id = new_id("e")
        await self.publish(
            RENTAL_USER_REGISTERED.name,
            {
                "event_id": event_id,
                "user_id": user_id,
                "phone": phone_no or phone(),
                "name": name,
                "registered_at": (at or self.clock.now - timedelta(days=30)).isoformat(),
            },
            key=user_id,
            ce_id=event_id,
        )
        return user_id

    async def start_trip(
        self,
        user_id: str,
        *,
        trip_id: str | None = None,
        bike_id: str | None = None,
        at: datetime | None = None,
        ce_id: str | None = None,
    ) -> str:
        trip_id = trip_id or new_id("t")
        await self.publish(
            RENTAL_TRIP_STARTED.name,
            {
                "event_id": ce_id or new_id("e"),
                "trip_id": trip_id,
                "user_id": user_id,
                "bike_id": bike_id or new_id("b"),
                "started_at": (at or self.clock.now - timedelta(hours=2)).isoformat(),
                "start_point": point(1),
            },
            key=user_id,
            ce_id=ce_id,
        )
        return trip_id

    async def end_trip(
        self,
        user_id: str,
        trip_id: str,
        bike_id: str,
        *,
        at: datetime | None = None,
        at_point: bool = True,
        charge_cents: int = 300,
        ce_id: str | None = None,
    ) -> str:
        return await self.publish(
            RENTAL_TRIP_ENDED.name,
            {
                "event_id": ce_id or new_id("e"),
                "trip_id": trip_id,
                "user_id": user_id,
                "bike_id": bike_id,
                "ended_at": (at or self.clock.now - timedelta(hours=1)).isoformat(),
                "end_point": point(2) if at_point else None,
                "charge_cents": charge_cents,
            },
            key=user_id,
            ce_id=ce_id,
        )

    async def lock(self, bike_id: str, state: str, at: datetime | None = None) -> str:
        return await self.publish(
            RENTAL_LOCK_STATE_REPORTED.name,
            {
                "event_id": new_id("e"),
                "bike_id": bike_id,
                "state": state,
                "reported_at": (at or self.clock.now - timedelta(minutes=5)).isoformat(),
            },
            key=bike_id,
        )

    async def feedback(self, user_id: str, feedback_id: str | None = None) -> str:
        feedback_id = feedback_id or new_id("f")
        await self.publish(
            RENTAL_FEEDBACK_SUBMITTED.name,
            {
                "event_id": new_id("e"),
                "feedback_id": feedback_id,
                "user_id": user_id,
                "content": "车锁关不上，扣了两次费",
                "submitted_at": self.clock.now.isoformat(),
            },
            key=user_id,
        )
        return feedback_id

    async def insurance(self, user_id: str, trip_id: str) -> str:
        application_id = new_id("i")
        await self.publish(
            RENTAL_INSURANCE_APPLIED.name,
            {
                "event_id": new_id("e"),
                "application_id": application_id,
                "user_id": user_id,
                "trip_id": trip_id,
                "description": "骑行中摔倒，手腕擦伤",
                "claimed_cents": 20000,
                "applied_at": self.clock.now.isoformat(),
            },
            key=user_id,
        )
        return application_id

    async def row(self, sql: str, *args: Any) -> Any:
        """The row, or None (typed Any: asyncpg records are untyped)."""
        return await self.pool.fetchrow(sql, *args)

    async def wait_row(self, sql: str, *args: Any, within: float = 30.0) -> asyncpg.Record:
        async def found() -> asyncpg.Record | None:
            return await self.pool.fetchrow(sql, *args)

        try:
            row: asyncpg.Record = await eventually(found, within=within, what=sql)
        except AssertionError as missing:
            # say where the event is: parked (and why), consumed (position past its offset), or not
            parked = await self.pool.fetch("SELECT consumer, attempts, reason FROM parked_messages")
            seen = await self.pool.fetch("SELECT consumer, count(*) FROM inbox GROUP BY consumer")
            consumers = consumer_states(self.app.state.platform.broker.subscribers)
            raise AssertionError(
                f"{missing}; parked: {[dict(r) for r in parked]}; inbox: {[tuple(r) for r in seen]}"
                f"; consumers: {consumers}; last sent (topic, partition, offset, key, ce_id):"
                f" {self.sent[-6:]}"
            ) from None
        return row

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.http.get(path, params=params, headers=AGENT)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(
        self, path: str, body: dict[str, Any], *, status: int = 200, actor: dict[str, str] = AGENT
    ) -> Any:
        response = await self.http.post(path, json=body, headers=actor)
        assert response.status_code == status, response.text
        return response.json()


@contextlib.asynccontextmanager
async def running_rental(settings: RentalSettings) -> AsyncIterator[Rental]:
    clock = Clock()
    app = create_app(settings, service=f"rental{uuid.uuid4().hex[:8]}", clock=clock)
    async with (
        producing(settings.kafka_bootstrap) as producer,
        serving(app, "http://rental") as http,
        TopicWatcher(settings.kafka_bootstrap, *WATCHED) as watcher,
    ):
        pool = app.state.platform.pool
        rental = Rental(app, http, pool, settings, producer, Seen(watcher), clock)
        # the consumer groups join before the first test counts time (a shared
        # 2-core machine can take seconds)
        warm = await rental.register()
        await rental.wait_row("SELECT 1 FROM users WHERE user_id = $1", warm, within=60)
        yield rental


@pytest.fixture(scope="module")
async def rental(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rental]:
    settings = settings_of(RentalSettings, infra, home=tmp_path_factory.mktemp("rental"))
    async with running_rental(settings) as running:
        yield running
