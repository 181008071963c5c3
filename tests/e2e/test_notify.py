"""The notify service through the gateway and real processes: a reversal's note in the
customer's inbox, announcements on the public board, and the seed's latest-code look-up."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from shared.contracts import NOTIFY_INAPP_REQUESTED, POINTS_REVERSAL_RESULT, InappRequested
from shared.devstack.stack import Stack
from shared.messaging import cloudevents
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.helpers import Agent, Platform, headers_of, order, phone
from tests.infra import eventually as until

pytestmark = pytest.mark.e2e
N = "/api/v1/notify"
SignIn = Callable[[str], Awaitable[Agent]]


@pytest.fixture
async def sign_in(stack: Stack) -> AsyncIterator[SignIn]:
    """Sign in as any demo account (ops, lead, ...); the sessions close after the test."""
    clients: list[httpx.AsyncClient] = []

    async def signed_in(username: str) -> Agent:
        client = httpx.AsyncClient(base_url=stack.gateway_url, timeout=15.0)
        clients.append(client)
        response = await client.post(
            "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return Agent(client)

    try:
        yield signed_in
    finally:
        for client in clients:
            await client.aclose()


async def inbox(agent: Agent, user_id: str) -> dict[str, Any]:
    response = await agent.get(f"{N}/users/{user_id}/inbox")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_reversal_tells_the_customer_in_app_exactly_once(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=2)
    await platform.issue(issued)
    await agent.arrived(issued)
    started = await agent.post(
        f"/api/v1/orders/{issued.merchant_order_no}/reversal", {"reason": "客户申请返销"}
    )
    assert started.status_code == 200, started.text
    final = await agent.finished(started.json()["operation_id"])
    assert final["status"] == "succeeded", final

    async def told() -> dict[str, Any] | None:
        found = await inbox(agent, issued.user_id)
        return found if found["items"] else None

    found = await until(told, what="the points-refunded note in the customer's inbox")
    [note] = found["items"]
    assert (note["template_id"], note["title"], note["read"]) == (
        "points_refunded",
        "积分已退回",
        False,
    )
    assert note["body"] == (
        f"您的订单{issued.merchant_order_no}已返销，"
        f"{issued.points_deducted}泡泡积分已退回您的账户。"
    )
    assert (found["recipient"], found["kind"], found["unread"]) == (issued.user_id, "user", 1)

    # the points answer delivered again, verbatim and under a new id; and the in-app
    # request itself delivered again: the customer still has one note
    key = issued.merchant_order_no.encode()
    [result] = await platform.read(POINTS_REVERSAL_RESULT.name, lambda r: r.key == key)
    user = issued.user_id.encode()
    [request] = await platform.read(NOTIFY_INAPP_REQUESTED.name, lambda r: r.key == user)
    for record in (result, request):
        await platform.send_raw(record.topic, record.value, key=record.key, headers=record.headers)
        fresh = {**headers_of(record), "ce_id": str(uuid.uuid4())}
        await platform.send_raw(
            record.topic, record.value, key=record.key, headers=cloudevents.encode(fresh)
        )
    await asyncio.sleep(1.5)  # the voucher service takes the copies in
    # a later message to the same inbox (same key, same partition) arrives after the copies
    marker = InappRequested(
        recipient=issued.user_id, text="marker", dedupe_key=f"e2e-{uuid.uuid4()}"
    )
    await platform.publish(NOTIFY_INAPP_REQUESTED, marker)

    async def marked() -> dict[str, Any] | None:
        found = await inbox(agent, issued.user_id)
        return found if any(i["body"] == "marker" for i in found["items"]) else None

    after = await until(marked, what="the marker in the inbox")
    assert [i["template_id"] for i in after["items"]] == [None, "points_refunded"]
    copies = await platform.read(NOTIFY_INAPP_REQUESTED.name, lambda r: r.key == user, count=4)
    assert len({headers_of(r)["ce_id"] for r in copies}) == 3  # the original, one new id, marker


async def test_ops_publishes_an_announcement_to_the_public_board(
    sign_in: SignIn, agent: Agent, anonymous: httpx.AsyncClient
) -> None:
    ops = await sign_in("ops")
    title = f"春节服务时间调整 {uuid.uuid4().hex[:6]}"
    created = await ops.post(f"{N}/announcements", {"title": title, "body": "9:00-18:00"})
    assert created.status_code == 201, created.text
    draft = created.json()
    assert (draft["status"], draft["created_by"], draft["actions"]) == (
        "draft",
        "ops",
        ["edit", "publish", "schedule"],
    )
    publish = f"{N}/announcements/{draft['id']}/publish"

    async def board_titles() -> list[str]:
        response = await anonymous.get(f"{N}/announcements/board")
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    refused = await agent.post(publish)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert title not in await board_titles()
    seen_by_agent = await agent.get(f"{N}/announcements/{draft['id']}")
    assert seen_by_agent.status_code == 200 and seen_by_agent.json()["status"] == "draft"
    assert seen_by_agent.json()["actions"] == []  # the agent is offered nothing it may not do

    published = await ops.post(publish)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "online"
    assert title in await board_titles()
    withdrawn = await ops.post(f"{N}/announcements/{draft['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "offline"
    assert title not in await board_titles()


async def test_a_duty_lead_reads_the_latest_code_and_the_look_up_is_recorded(
    sign_in: SignIn, agent: Agent
) -> None:
    lead = await sign_in("lead")
    number = phone()
    while number.endswith(("0000", "0001", "0002", "0003")):  # the sandbox's failing numbers
        number = phone()
    sent = await agent.post(f"{N}/verification-codes", {"phone": number, "purpose": "login"})
    assert sent.status_code == 201, sent.text
    assert "code" not in sent.json()

    async def logged() -> list[dict[str, Any]] | None:
        response = await agent.get(f"{N}/sms", phone=number)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items if items and items[0]["status"] == "sent" else None

    [sms] = await until(logged, what="the code's SMS in the log")
    assert sms["phone"] == f"{number[:3]}****{number[-4:]}" and "******" in sms["text"]
    refused = await agent.get(f"{N}/sms/latest-code", phone=number)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")

    latest = await lead.get(f"{N}/sms/latest-code", phone=number)
    assert latest.status_code == 200, latest.text
    code = latest.json()["code"]
    assert (latest.json()["looked_up_by"], latest.json()["sms_id"]) == ("lead", sms["id"])
    detail = await lead.get(f"{N}/sms/{sms['id']}")
    assert detail.status_code == 200 and code not in detail.json()["text"]
    check = await agent.post(
        f"{N}/verification-codes/check", {"phone": number, "purpose": "login", "code": code}
    )
    assert check.status_code == 200 and check.json()["valid"] is True, check.text
    lookups = await lead.get(f"{N}/sms/code-lookups", phone=number)
    assert [(i["actor"], i["found"]) for i in lookups.json()["items"]] == [("lead", True)]


@pytest.mark.parametrize(
    "path", ["/sms", "/sms/code-lookups", "/inbox/me", "/users/U1/inbox", "/announcements"]
)
async def test_a_notify_list_refuses_a_garbage_cursor_and_an_unknown_filter(
    sign_in: SignIn, path: str
) -> None:
    lead = await sign_in("lead")
    page = await lead.get(f"{N}{path}", limit=1)
    assert page.status_code == 200 and {"next_cursor", "has_more"} <= page.json().keys()
    garbage = await lead.get(f"{N}{path}", cursor="garbage")
    assert (garbage.status_code, garbage.json()["code"]) == (422, "invalid_cursor")
    unknown = await lead.get(f"{N}{path}", order_no="M1")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_filter")
