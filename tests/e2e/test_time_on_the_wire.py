"""One time-zone rule on the wire, checked on every answer of a running stack: each
timestamp the gateway returns is RFC 3339 with the business zone's offset (KEFU_TIMEZONE),
whichever service it comes from and whether the store handed it back in UTC."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.devstack.stack import Stack
from shared.settings import Settings
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.helpers import Agent, Platform, order, phone
from tests.e2e.test_rental import renting_user
from tests.infra import eventually as until

pytestmark = pytest.mark.e2e
# who may read what differs by route: each GET is tried as these until one may
READERS = ("agent", "lead", "ops", "accountant", "reviewer", "admin", "tech")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")


@pytest.fixture
async def readers(stack: Stack) -> AsyncIterator[dict[str, Agent]]:
    sessions: dict[str, Agent] = {}
    try:
        for username in READERS:
            client = httpx.AsyncClient(base_url=stack.gateway_url, timeout=15.0)
            sessions[username] = Agent(client)
            answer = await client.post(
                "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert answer.status_code == 200, answer.text
            client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield sessions
    finally:
        for session in sessions.values():
            await session.client.aclose()


async def some_of_everything(readers: dict[str, Agent], platform: Platform) -> None:
    """Vouchers, an operation, points movements and an in-app note (a reversal), an SMS
    (a verification code), a refund form, a rental user and trip: each service's times."""
    agent = readers["agent"]
    issued = order(vouchers=2)
    await platform.issue(issued)
    await agent.arrived(issued)
    reversal = await agent.post(
        f"/api/v1/orders/{issued.merchant_order_no}/reversal", {"reason": "time zone check"}
    )
    assert reversal.status_code in (200, 202), reversal.text
    await agent.finished(reversal.json()["operation_id"])
    code = await agent.post(
        "/api/v1/notify/verification-codes", {"phone": phone(), "purpose": "login"}
    )
    assert code.status_code in (200, 201), code.text
    now = datetime.now(UTC)
    form = await agent.post(
        "/api/v1/refunds/forms",
        {
            "order_no": f"TK{uuid.uuid4().hex[:14].upper()}",
            "purchased_at": (now - timedelta(hours=2)).isoformat(),
            "bank": "招商银行",
            "amount_cents": 1200,
            "paid_cents": 1200,
            "phone": phone(),
            "fault": "支付成功但支付超时",
            "cause": "payment_timeout",
            "customer_opinion": "退回原卡",
            "complaint_at": (now - timedelta(minutes=3)).isoformat(),
        },
    )
    assert form.status_code == 201, form.text
    _, _, trip = await renting_user(platform, "locked")

    async def trip_arrived() -> bool | None:
        return (await agent.get(f"/api/v1/rental/orders/{trip}")).status_code == 200 or None

    await until(trip_arrived, within=30.0, what=f"trip {trip}")


def walk(value: Any, seen: dict[str, set[str]], times: list[tuple[str, str]], key: str) -> None:
    """Every timestamp string in an answer, and every id-like value under its key."""
    if isinstance(value, dict):
        for k, v in value.items():
            walk(v, seen, times, k)
    elif isinstance(value, list):
        for v in value:
            walk(v, seen, times, key)
    elif isinstance(value, str):
        if TIMESTAMP.match(value):
            times.append((key, value))
        elif len(seen[key]) < 3:
            seen[key].add(value)


def query_for(parameters: list[dict[str, Any]], today: str) -> dict[str, str]:
    fill = {
        "date": today,
        "month": today[:7],
        "from": today,
        "to": today,
        "date_from": today,
        "date_to": today,
    }
    return {
        p["name"]: fill[p["name"]]
        for p in parameters
        if p.get("required") and p["in"] == "query" and p["name"] in fill
    }


async def test_every_timestamp_in_every_answer_carries_the_business_zones_offset(
    readers: dict[str, Agent], platform: Platform, stack_settings: Settings
) -> None:
    await some_of_everything(readers, platform)
    zone = stack_settings.tz
    offset = datetime.now(zone).isoformat()[-6:]
    today = datetime.now(zone).date().isoformat()
    document = (await readers["agent"].client.get("/openapi.json")).json()
    seen: dict[str, set[str]] = defaultdict(set)
    times: list[tuple[str, str]] = []
    answered: list[str] = []
    # routes without path parameters first: their answers name the ids the others need
    routes = sorted(
        (p, op["get"].get("parameters", [])) for p, op in document["paths"].items() if "get" in op
    )
    routes.sort(key=lambda route: route[0].count("{"))
    for path, parameters in routes:
        names = re.findall(r"{(\w+)}", path)
        urls = [path]
        for name in names:
            urls = [u.replace(f"{{{name}}}", v) for u in urls for v in sorted(seen.get(name, ()))]
        for url in urls:
            for username in READERS:
                answer = await readers[username].get(url, **query_for(parameters, today))
                if answer.status_code != 403:
                    break
            if answer.status_code == 200 and "json" in answer.headers["content-type"]:
                answered.append(url)
                walk(answer.json(), seen, times, "")
    assert len(answered) > 30, answered
    assert len({key for key, _ in times}) >= 12, times
    wrong = [
        (key, value)
        for key, value in times
        if not RFC3339.match(value) or not value.endswith(offset)
    ]
    assert not wrong, wrong
