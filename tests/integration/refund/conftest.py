"""One refund service per test module, on the real database and broker.

The app runs inside its lifespan with a unique service name (its own database and
consumer groups) and a movable clock, so tests reach time limits without waiting.
Tests drive its HTTP API through httpx as the gateway would (actor headers), feed
it refund requests through aiokafka as the rental service would, and read what it
publishes.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from services.refund.app import create_app
from services.refund.settings import RefundSettings
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    REFUND_COMPLETED,
    REFUND_REJECTED,
    REFUND_REQUESTED,
    REFUND_SLA_BREACHED,
)
from tests.clocks import SWEEP_BACKSTOP, TellsWhenMoved
from tests.infra import Infra, eventually, settings_of
from tests.kafka import Record, TopicWatcher, fields, payloads, producing, publish
from tests.serving import serving

WATCHED = (
    REFUND_COMPLETED.name,
    REFUND_REJECTED.name,
    REFUND_SLA_BREACHED.name,
    NOTIFY_SMS_REQUESTED.name,
    NOTIFY_INAPP_REQUESTED.name,
    REFUND_REQUESTED.dlq,
)
ROLES = {
    "agent": "agent",
    "agent2": "agent",
    "lead": "duty_lead",
    "lead2": "duty_lead",
    "tech": "tech",
    "cashier": "cashier",
    "accountant": "accountant",
    "director": "finance_director",
    "director2": "finance_director",
    "ops": "ops_supervisor",
    "ops2": "ops_supervisor",
}
CHAIN = (
    ("lead-check", "lead"),
    ("tech-verification", "tech"),
    ("finance-submission", "lead2"),
    ("cashier-check", "cashier"),
    ("accountant-review", "accountant"),
    ("director-approval", "director"),
)


class Clock(TellsWhenMoved):
    """The wall clock plus an offset tests move forward (moving it wakes the sweeps)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)
        self.moved()


def as_(username: str) -> dict[str, str]:
    return {"X-Kefu-Actor": username, "X-Kefu-Roles": ROLES[username]}


def order_no() -> str:
    return f"TK{uuid.uuid4().hex[:14].upper()}"


def phone() -> str:
    return f"139{random.randrange(10**8):08d}"


@dataclass
class Seen:
    """What the service published on the watched topics, found by payload fields."""

    watcher: TopicWatcher

    @property
    def records(self) -> dict[str, list[Record]]:
        return self.watcher.records

    def of(self, topic: str, **match: Any) -> list[dict[str, Any]]:
        return payloads(self.watcher.where(topic, fields(**match)))

    async def wait(
        self, topic: str, count: int = 1, within: float = 15.0, **match: Any
    ) -> list[dict[str, Any]]:
        found = await self.watcher.wait(
            topic, fields(**match), count, within=within, what=f"{count} on {topic} {match}"
        )
        return payloads(found)


@dataclass
class Refund:
    app: FastAPI
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    settings: RefundSettings
    clock: Clock
    producer: AIOKafkaProducer
    seen: Seen

    async def call(
        self,
        method: str,
        path: str,
        who: str,
        body: Any = None,
        status: int = 200,
        *,
        key: str | None = None,
    ) -> Any:
        """Call as ``who`` (with an Idempotency-Key if given), expecting ``status``."""
        headers = as_(who) | ({"Idempotency-Key": key} if key else {})
        response = await self.http.request(method, path, json=body, headers=headers)
        assert response.status_code == status, response.text
        return response.json()

    async def get(self, path: str, who: str, status: int = 200, **params: Any) -> Any:
        """GET ``path`` as ``who`` with query ``params`` (a list repeats the parameter)."""
        response = await self.http.get(path, params=params, headers=as_(who))
        assert response.status_code == status, response.text
        return response.json()

    async def refused(self, path: str, who: str, code: str, **params: Any) -> None:
        """A list refuses the query with 422 ``code`` (unknown_filter, invalid_cursor, ...)."""
        answer = await self.get(path, who, 422, **params)
        assert answer["code"] == code, answer

    async def file(self, who: str = "agent", status: int = 201, **fields: Any) -> Any:
        now = self.clock()
        body = {
            "order_no": order_no(),
            "purchased_at": (now - timedelta(hours=1)).isoformat(),
            "bank": "工商银行",
            "amount_cents": 5000,
            "paid_cents": 5000,
            "phone": phone(),
            "fault": "扣款成功但未收到订单号",
            "cause": "no_order_no",
            "customer_opinion": "要求全额退款",
            "complaint_at": (now - timedelta(minutes=2)).isoformat(),
            **fields,
        }
        return await self.call("POST", "/refunds/forms", who, body, status)

    async def step(
        self,
        form_id: str,
        path: str,
        who: str,
        decision: str = "approve",
        opinion: str = "ok",
        status: int = 200,
    ) -> Any:
        return await self.call(
            "POST",
            f"/refunds/forms/{form_id}/{path}",
            who,
            {"decision": decision, "opinion": opinion},
            status,
        )

    async def through_finance(self, form_id: str) -> Any:
        form = None
        for path, who in CHAIN:
            form = await self.step(form_id, path, who, opinion=f"{path} ok")
        return form

    async def form(self, form_id: str) -> Any:
        return await self.call("GET", f"/refunds/forms/{form_id}", "agent")

    async def wait_state(self, form_id: str, state: str, within: float = 15.0) -> Any:
        async def reached() -> Any:
            form = await self.form(form_id)
            return form if form["state"] == state else None

        return await eventually(reached, within=within, what=f"{form_id} {state}")

    async def request_refund(self, *, ce_id: str | None = None, **fields: Any) -> dict[str, Any]:
        payload = {
            "request_id": f"rental-deposit-{uuid.uuid4().hex[:10]}",
            "requester": "rental",
            "kind": "deposit",
            "user_id": f"U{uuid.uuid4().hex[:8]}",
            "amount_cents": 19900,
            "phone": phone(),
            "reason": "用户申请退押金",
            "requested_by": "agent",
            "requested_at": self.clock().isoformat(),
            **fields,
        }
        await self.publish(REFUND_REQUESTED.name, payload, key=payload["user_id"], ce_id=ce_id)
        return payload

    async def publish(self, topic: str, payload: Any, *, key: str, ce_id: str | None = None) -> str:
        return await publish(self.producer, topic, payload, key=key, ce_id=ce_id)

    async def requested(self, request_id: str) -> asyncpg.Record:
        async def there() -> asyncpg.Record | None:
            row: asyncpg.Record | None = await self.pool.fetchrow(
                "SELECT * FROM requested_refunds WHERE request_id = $1", request_id
            )
            return row

        row: asyncpg.Record = await eventually(there, what=f"refund for {request_id}")
        return row

    async def open_window(self, amount_cap: int = 10**9, count_cap: int = 10**6) -> Any:
        body = {
            "window_start": "00:00:00",
            "window_end": "23:59:59.999999",
            "daily_amount_cap_cents": amount_cap,
            "daily_count_cap": count_cap,
        }
        return await self.call("PUT", "/refunds/policy", "ops", body)

    async def sandbox_payouts(self, payout_id: str) -> list[asyncpg.Record]:
        return list(
            await self.pool.fetch(
                "SELECT * FROM sandbox_payment.payouts WHERE payout_id = $1", payout_id
            )
        )


def refund_settings(infra: Infra, home: Path, **overrides: Any) -> RefundSettings:
    return settings_of(
        RefundSettings,
        infra,
        home=home,
        refund_timer_sweep_seconds=SWEEP_BACKSTOP,
        refund_payout_retry_base_seconds=0.1,
        refund_payout_lease_seconds=1.0,
        refund_payout_max_attempts=3,
        **overrides,
    )


@contextlib.asynccontextmanager
async def running_refund(
    settings: RefundSettings, service: str | None = None
) -> AsyncIterator[Refund]:
    clock = Clock()
    app = create_app(settings, service=service or f"refund{uuid.uuid4().hex[:8]}", clock=clock)
    async with (
        producing(settings.kafka_bootstrap) as producer,
        serving(app, "http://refund") as http,
        TopicWatcher(settings.kafka_bootstrap, *WATCHED) as watcher,
    ):
        pool = app.state.platform.pool
        yield Refund(app, http, pool, settings, clock, producer, Seen(watcher))


@pytest.fixture(scope="module")
async def refund(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refund]:
    settings = refund_settings(infra, tmp_path_factory.mktemp("refund"))
    async with running_refund(settings) as running:
        yield running
