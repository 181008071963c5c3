"""One points gateway for the module, on the test PostgreSQL and broker, and a reader of its
answers on ``points.reversal.result.v1``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI

from services.points.app import create_app
from shared.contracts import POINTS_REVERSAL_REQUESTED, POINTS_REVERSAL_RESULT
from shared.messaging import cloudevents
from shared.settings import Settings
from tests.infra import Infra, settings_on


@dataclass
class Results:
    """Every answer the points gateway published since the module started."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def of(self, refund_id: str) -> list[dict[str, Any]]:
        return [r for r in self.seen if r["refund_id"] == refund_id]

    def add(self, answers: list[dict[str, Any]]) -> None:
        self.seen += answers
        self.arrived.set()

    async def wait(self, refund_id: str, count: int, within: float = 15.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(within):
            while len(self.of(refund_id)) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.of(refund_id)


@dataclass
class PointsGateway:
    app: FastAPI
    settings: Settings
    producer: AIOKafkaProducer
    results: Results
    http: httpx.AsyncClient

    async def request_refund(
        self,
        *,
        ce_id: str | None = None,
        topic: str = POINTS_REVERSAL_REQUESTED.name,
        **fields: Any,
    ) -> str:
        """Publish a refund request the way the voucher service does; returns its ce_id."""
        payload = {
            "source": "bubble",
            "reason": "customer asked, ticket 42",
            "requested_by": "agent",
            **fields,
        }
        headers = cloudevents.make_headers(
            ce_type=POINTS_REVERSAL_REQUESTED.ce_type, source="/kefu/voucher", ce_id=ce_id
        )
        await self.producer.send_and_wait(
            topic,
            json.dumps(payload).encode(),
            key=str(payload.get("merchant_order_no", "")).encode(),
            headers=cloudevents.encode(headers),
        )
        return headers["ce_id"]

    async def points_of(self, user_id: str) -> dict[str, Any]:
        response = await self.http.get(
            f"/users/{user_id}/points", headers={"X-Kefu-Actor": "agent", "X-Kefu-Roles": "agent"}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def ids() -> tuple[str, str, str]:
    """A fresh refund id, order number and user suffix."""
    u = uuid.uuid4().hex[:10]
    return f"R-{u}", f"M-{u}", u


async def _read_results(settings: Settings, results: Results) -> None:
    consumer = AIOKafkaConsumer(
        POINTS_REVERSAL_RESULT.name,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=100)
            for records in batch.values():
                results.add([json.loads(r.value) for r in records])
    finally:
        await consumer.stop()


@pytest.fixture(scope="module")
async def points(infra: Infra) -> AsyncIterator[PointsGateway]:
    settings = settings_on(infra)
    app = create_app(settings)
    results = Results()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    async with app.router.lifespan_context(app):
        reader = asyncio.create_task(_read_results(settings, results))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://points") as http:
            yield PointsGateway(app, settings, producer, results, http)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    await producer.stop()
