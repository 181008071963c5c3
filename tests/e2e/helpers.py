"""What the end-to-end tests share: the exchange platform's side of Kafka, orders, polling."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.contracts import (
    VOUCHER_ISSUED,
    VOUCHER_REDEEMED,
    IssuedVoucher,
    Topic,
    VoucherIssued,
    VoucherRedeemed,
)
from shared.messaging import cloudevents
from tests.infra import eventually as until

PLATFORM = "/exchange-platform"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")


@dataclass(frozen=True)
class Sent:
    ce_id: str
    topic: str


class Platform:
    """Publishes as the exchange platform would: CloudEvents headers, keyed per topic."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    async def send_raw(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topic, value, key=key, headers=list(headers))
        finally:
            await producer.stop()

    async def publish(self, topic: Topic[Any], payload: Any, *, ce_id: str | None = None) -> Sent:
        ce_id = ce_id or str(uuid.uuid4())
        headers = cloudevents.make_headers(ce_type=topic.ce_type, source=PLATFORM, ce_id=ce_id)
        await self.send_raw(
            topic.name,
            payload.model_dump_json().encode(),
            key=topic.key_of(payload).encode(),
            headers=cloudevents.encode(headers),
        )
        return Sent(ce_id, topic.name)

    async def issue(self, order: VoucherIssued, *, ce_id: str | None = None) -> Sent:
        return await self.publish(VOUCHER_ISSUED, order, ce_id=ce_id)

    async def redeem(self, code: str, *, ce_id: str | None = None) -> Sent:
        payload = VoucherRedeemed(code=code, redeemed_at=datetime.now(UTC), store_id="S0351")
        return await self.publish(VOUCHER_REDEEMED, payload, ce_id=ce_id)

    async def read(
        self, topic: str, match: Callable[[Any], bool], *, count: int = 1, within: float = 20.0
    ) -> list[Any]:
        """Records of ``topic`` (from the start) that ``match``, once ``count`` of them exist."""
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=self.bootstrap,
            auto_offset_reset="earliest",
            group_id=None,
            enable_auto_commit=False,
        )
        await consumer.start()
        found: list[Any] = []
        try:
            deadline = asyncio.get_running_loop().time() + within
            while len(found) < count:
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(
                        f"{topic}: {len(found)} of {count} matching records within {within:.0f} s"
                    )
                batch = await consumer.getmany(timeout_ms=300)
                for records in batch.values():
                    found += [r for r in records if match(r)]
            return found
        finally:
            await consumer.stop()


def headers_of(record: Any) -> dict[str, str]:
    return cloudevents.decode(record.headers)


_rng = random.Random()


def phone() -> str:
    return _rng.choice(["139", "158", "186"]) + f"{_rng.randrange(10**8):08d}"


def code(ending: str = "") -> str:
    body = f"22015{_rng.randrange(10**15):015d}"
    if not ending and body.endswith(("9999", "9998")):
        return code()
    return body[: len(body) - len(ending)] + ending


def order(
    *,
    vouchers: int = 2,
    source: str = "bubble",
    user_id: str | None = None,
    user_phone: str | None = None,
    endings: Sequence[str] = (),
    exchanged_at: datetime | None = None,
    face_value: str = "10.00",
) -> VoucherIssued:
    """A fresh exchange order, valid 30 days from its exchange day, 200 points per yuan."""
    at = exchanged_at or datetime.now(UTC) - timedelta(hours=1, seconds=_rng.randrange(3600))
    local_day: date = at.astimezone(SHANGHAI).date()
    face = Decimal(face_value)
    stamp = f"{at:%Y%m%d%H%M%S}{_rng.randrange(1000):03d}{uuid.uuid4().hex[:6]}"
    return VoucherIssued(
        merchant_order_no=f"M{stamp}",
        user_id=user_id or f"U{uuid.uuid4().hex[:10]}",
        phone=user_phone or phone(),
        source=source,
        points_deducted=int(face * 200) * vouchers,
        deduction_status="deducted",
        exchanged_at=at,
        vouchers=[
            IssuedVoucher(
                code=code(endings[i] if i < len(endings) else ""),
                face_value=face,
                valid_from=local_day,
                valid_to=local_day + timedelta(days=30),
            )
            for i in range(vouchers)
        ],
    )


class Agent:
    """An agent's session at the gateway."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params={k: v for k, v in params.items() if v})

    async def post(self, path: str, body: Any = None, *, key: str | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key or str(uuid.uuid4())}
        return await self.client.post(path, json=body, headers=headers)

    async def vouchers(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.get("/api/v1/vouchers", **params)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def voucher(self, code: str) -> dict[str, Any]:
        response = await self.get(f"/api/v1/vouchers/{code}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def operations(self, code: str) -> list[dict[str, Any]]:
        response = await self.get(f"/api/v1/vouchers/{code}/operations")
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["has_more"] is False and page["total"] == len(page["items"])
        items: list[dict[str, Any]] = page["items"]
        return items

    async def operation(self, operation_id: str) -> dict[str, Any]:
        response = await self.get(f"/api/v1/operations/{operation_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def finished(self, operation_id: str, within: float = 20.0) -> dict[str, Any]:
        """The operation once it is no longer pending."""

        async def probe() -> dict[str, Any] | None:
            op = await self.operation(operation_id)
            return op if op["status"] != "pending" else None

        return await until(probe, within=within, what=f"operation {operation_id} finished")

    async def points(self, user_id: str) -> dict[str, Any]:
        response = await self.get(f"/api/v1/users/{user_id}/points")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def arrived(self, issued: VoucherIssued, within: float = 20.0) -> list[dict[str, Any]]:
        """The order's vouchers, once the voucher service has applied its issue event."""
        n = len(issued.vouchers)

        async def probe() -> list[dict[str, Any]] | None:
            items = await self.vouchers(merchant_order_no=issued.merchant_order_no)
            return items if len(items) == n else None

        return await until(probe, within=within, what=f"{issued.merchant_order_no} searchable")
