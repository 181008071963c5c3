"""One points gateway for the module, on the test PostgreSQL and broker, and a reader of its
answers on ``points.reversal.result.v1``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from services.points.app import create_app
from shared.contracts import POINTS_REVERSAL_REQUESTED, POINTS_REVERSAL_RESULT
from shared.settings import Settings
from tests.infra import Infra, settings_on
from tests.kafka import TopicWatcher, fields, payloads, producing, publish
from tests.serving import serving


@dataclass
class Results:
    """Every answer the points gateway published, and every request it dead-lettered, since
    the module started."""

    watcher: TopicWatcher

    def of(self, refund_id: str) -> list[dict[str, Any]]:
        return payloads(
            self.watcher.where(POINTS_REVERSAL_RESULT.name, fields(refund_id=refund_id))
        )

    async def wait(self, refund_id: str, count: int, within: float = 15.0) -> list[dict[str, Any]]:
        found = await self.watcher.wait(
            POINTS_REVERSAL_RESULT.name, fields(refund_id=refund_id), count, within=within
        )
        return payloads(found)

    def dead_letters(self) -> list[dict[str, str]]:
        """The headers of every dead-lettered request."""
        return [headers for _, headers in self.watcher.where(POINTS_REVERSAL_REQUESTED.dlq)]


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
        return await publish(
            self.producer,
            topic,
            payload,
            key=str(payload.get("merchant_order_no", "")),
            ce_id=ce_id,
            ce_type=POINTS_REVERSAL_REQUESTED.ce_type,
            source="/kefu/voucher",
        )

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


@pytest.fixture(scope="module")
async def points(infra: Infra) -> AsyncIterator[PointsGateway]:
    settings = settings_on(infra)
    app = create_app(settings)
    watched = (POINTS_REVERSAL_RESULT.name, POINTS_REVERSAL_REQUESTED.dlq)
    async with (
        producing(settings.kafka_bootstrap) as producer,
        serving(app, "http://points") as http,
        TopicWatcher(settings.kafka_bootstrap, *watched) as watcher,
    ):
        yield PointsGateway(app, settings, producer, Results(watcher), http)
