"""One voucher service for every voucher integration test, on the real database and broker.

The app runs inside its lifespan with a unique service name (so its own
database and consumer groups); tests drive its HTTP API through httpx and feed
it real CloudEvents messages through aiokafka, as the exchange platform and the
points gateway would. Each test uses unique codes, orders, users and phones.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from services.voucher.app import create_app
from services.voucher.settings import VoucherSettings
from shared.contracts import (
    POINTS_REVERSAL_REQUESTED,
    POINTS_REVERSAL_RESULT,
    VOUCHER_ISSUED,
    VOUCHER_REDEEMED,
)
from tests.infra import Infra, eventually, settings_of
from tests.kafka import Record, TopicWatcher, fields, payloads, producing, publish, send
from tests.serving import serving

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACTOR = {"X-Kefu-Actor": "agent.li", "X-Kefu-Roles": "agent"}


@dataclass
class RefundRequests:
    """Every points.reversal.requested.v1 message the service published, as the points
    gateway would receive them."""

    watcher: TopicWatcher

    def of(self, merchant_order_no: str) -> list[Record]:
        return self.watcher.where(
            POINTS_REVERSAL_REQUESTED.name, fields(merchant_order_no=merchant_order_no)
        )

    async def wait(self, merchant_order_no: str, count: int = 1) -> list[dict[str, Any]]:
        found = await self.watcher.wait(
            POINTS_REVERSAL_REQUESTED.name, fields(merchant_order_no=merchant_order_no), count
        )
        return payloads(found)


@dataclass
class Voucher:
    """The running service and the ways a test talks to it."""

    app: Any
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    settings: VoucherSettings
    producer: AIOKafkaProducer
    refunds: RefundRequests

    async def send(
        self,
        topic: str,
        payload: dict[str, Any],
        *,
        key: str,
        ce_id: str | None = None,
        traceparent: str | None = None,
    ) -> tuple[str, asyncio.Future[Any]]:
        """Hand a CloudEvents message to the producer; returns its ce_id and delivery future."""
        return await send(
            self.producer, topic, payload, key=key, ce_id=ce_id, traceparent=traceparent
        )

    async def publish(
        self,
        topic: str,
        payload: dict[str, Any],
        *,
        key: str,
        ce_id: str | None = None,
        traceparent: str | None = None,
    ) -> str:
        return await publish(
            self.producer, topic, payload, key=key, ce_id=ce_id, traceparent=traceparent
        )

    async def issue(self, order: dict[str, Any], *, ce_id: str | None = None) -> str:
        return await self.publish(
            VOUCHER_ISSUED.name, order, key=order["merchant_order_no"], ce_id=ce_id
        )

    async def redeem(self, code: str, *, store_id: str = "S001", ce_id: str | None = None) -> str:
        payload = {"code": code, "redeemed_at": "2019-01-02T09:00:00+08:00", "store_id": store_id}
        return await self.publish(VOUCHER_REDEEMED.name, payload, key=code, ce_id=ce_id)

    async def answer_refund(
        self,
        request: dict[str, Any],
        status: str = "succeeded",
        *,
        ce_id: str | None = None,
        traceparent: str | None = None,
    ) -> str:
        """What the points gateway answers to ``request``."""
        result = {
            "refund_id": request["refund_id"],
            "merchant_order_no": request["merchant_order_no"],
            "user_id": request["user_id"],
            "points": request["points"],
            "status": status,
            "failure": None if status == "succeeded" else "provider refused (test)",
            "attempt": request["attempt"],
            "completed_at": datetime.now(SHANGHAI).isoformat(),
        }
        return await self.publish(
            POINTS_REVERSAL_RESULT.name,
            result,
            key=request["merchant_order_no"],
            ce_id=ce_id,
            traceparent=traceparent,
        )

    async def voucher(self, code: str) -> dict[str, Any]:
        response = await self.http.get(f"/vouchers/{code}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def wait_issued(self, *codes: str) -> None:
        async def present() -> bool:
            n = await self.pool.fetchval(
                "SELECT count(*) FROM vouchers WHERE code = ANY($1::text[])", list(codes)
            )
            return bool(n == len(codes))

        await eventually(present)

    async def operation(self, operation_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/operations/{operation_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def wait_operation(self, operation_id: str, status: str) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            op = await self.operation(operation_id)
            return op if op["status"] == status else None

        result: dict[str, Any] = await eventually(reached)
        return result


def make_order(
    order_no: str,
    codes: list[str],
    *,
    user_id: str = "U1",
    phone: str = "13800138000",
    source: str = "bubble",
    deduction_status: str = "deducted",
    points: int = 2000,
    exchanged_at: datetime | None = None,
    valid_to: date | None = None,
) -> dict[str, Any]:
    at = exchanged_at or datetime.now(SHANGHAI).replace(microsecond=0)
    until = valid_to or (datetime.now(SHANGHAI).date() + timedelta(days=30))
    return {
        "merchant_order_no": order_no,
        "user_id": user_id,
        "phone": phone,
        "source": source,
        "points_deducted": points,
        "deduction_status": deduction_status,
        "exchanged_at": at.isoformat(),
        "vouchers": [
            {
                "code": code,
                "face_value": "10.00",
                "valid_from": (until - timedelta(days=60)).isoformat(),
                "valid_to": until.isoformat(),
            }
            for code in codes
        ],
    }


def random_phone() -> str:
    return "139" + "".join(random.choices("0123456789", k=8))


@pytest.fixture(scope="package")
async def voucher(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Voucher]:
    settings = settings_of(
        VoucherSettings,
        infra,
        reversal_wait_seconds=0.3,
        home=tmp_path_factory.mktemp("voucher") / ".kefu",
    )
    app = create_app(settings, service=f"voucher_{uuid.uuid4().hex[:8]}")
    async with (
        serving(app, "http://voucher", headers=ACTOR, timeout=30) as http,
        producing(settings.kafka_bootstrap, linger_ms=2) as producer,
        TopicWatcher(settings.kafka_bootstrap, POINTS_REVERSAL_REQUESTED.name) as watcher,
    ):
        yield Voucher(app, http, app.state.deps.pool, settings, producer, RefundRequests(watcher))


@pytest.fixture
def ids(unique: str) -> Callable[[str], str]:
    """Unique alphanumeric ids for this test: ``ids("M")`` → ``M1a2b3c4d``."""

    def make(prefix: str) -> str:
        return f"{prefix}{unique}"

    return make


async def dead_letter(settings: VoucherSettings, topic: str, ce_id: str) -> dict[str, str]:
    """The headers of the message ``ce_id`` once it lands in ``<topic>.dlq``."""
    dlq = f"{topic}.dlq"
    async with TopicWatcher(settings.kafka_bootstrap, dlq) as watcher:

        async def landed() -> dict[str, str] | None:
            return next((h for _, h in watcher.where(dlq) if h.get("ce_id") == ce_id), None)

        return await eventually(landed, within=20, what=f"{ce_id} on {dlq}")


@contextlib.contextmanager
def tuned(voucher: Voucher, **values: Any) -> Iterator[None]:
    """Change live settings for one test (the service reads them per command)."""
    before = {name: getattr(voucher.settings, name) for name in values}
    for name, value in values.items():
        setattr(voucher.settings, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(voucher.settings, name, value)


async def waits_holding_the_order(
    step: asyncio.Task[Any], other: asyncpg.Connection, order_no: str
) -> None:
    """``step`` waits on a lock (its saga's or a voucher's) while it holds its order's."""
    await asyncio.sleep(0.5)
    assert not step.done()
    with pytest.raises(asyncpg.LockNotAvailableError):
        await other.execute(
            "SELECT 1 FROM orders WHERE merchant_order_no = $1 FOR UPDATE NOWAIT", order_no
        )
