"""The notify routes: forwarded minus /api/v1/notify, inboxes named by the sign-in, roles."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.gateway.conftest import GatewayUnderTest, new_key

pytestmark = pytest.mark.integration
N = "/api/v1/notify"


async def test_each_notify_route_goes_to_its_service_path(gateway: GatewayUnderTest) -> None:
    lead = await gateway.as_user("lead")
    ops = await gateway.as_user("ops")
    announcement = {"title": "春节服务时间", "body": "9:00-18:00", "publish_at": None}
    calls: list[tuple[dict[str, str], str, str, Any, str, str]] = [
        (lead, "GET", "/sms?phone=13800138000&status=sent&limit=5", None, "/sms", "phone="),
        (lead, "GET", "/sms/42", None, "/sms/42", ""),
        (lead, "GET", "/sms/latest-code?phone=13800138000", None, "/sms/latest-code", "phone="),
        (lead, "GET", "/sms/code-lookups", None, "/sms/code-lookups", ""),
        (lead, "POST", "/verification-codes", {"phone": "13800138000"}, "/verification-codes", ""),
        (lead, "GET", "/announcements?status=online", None, "/announcements", "status=online"),
        (lead, "GET", "/announcements/7", None, "/announcements/7", ""),
        (ops, "POST", "/announcements", announcement, "/announcements", ""),
        (ops, "PUT", "/announcements/7", announcement, "/announcements/7", ""),
        (ops, "POST", "/announcements/7/publish", None, "/announcements/7/publish", ""),
        (ops, "POST", "/announcements/7/withdraw", None, "/announcements/7/withdraw", ""),
    ]
    for who, method, path, body, upstream, query in calls:
        response = await gateway.http.request(method, N + path, json=body, headers=who)
        assert response.status_code == 200, (path, response.text)
        seen = gateway.notify.last()
        assert (seen["method"], seen["path"]) == (method, upstream)
        assert seen["query"].startswith(query)
        assert seen["caller"].actor == ("ops" if who is ops else "lead")
    sent = gateway.notify.seen[-7]
    assert sent["path"] == "/verification-codes"
    assert sent["body"] == {"phone": "13800138000", "purpose": "login"}
    created = gateway.notify.seen[-4]
    assert created["body"] == {**announcement, "withdraw_at": None}


async def test_a_staff_inbox_is_the_signed_in_users_own(gateway: GatewayUnderTest) -> None:
    agent = await gateway.as_user("agent")
    ops = await gateway.as_user("ops")
    # the recipient and kind come from the sign-in; asking for another's is refused
    forwarded = len(gateway.notify.seen)
    theirs = await gateway.http.get(
        f"{N}/inbox/me?unread_only=true&kind=user&recipient=lead&limit=5", headers=agent
    )
    assert (theirs.status_code, theirs.json()["code"]) == (422, "unknown_filter")
    assert len(gateway.notify.seen) == forwarded
    mine = await gateway.http.get(f"{N}/inbox/me?unread_only=true&limit=5", headers=agent)
    assert mine.status_code == 200, mine.text
    seen = gateway.notify.last()
    assert seen["path"] == "/inbox/agent"
    assert seen["query"] == "unread_only=true&limit=5&kind=staff"
    for method, path, upstream in [
        ("GET", "/inbox/me/unread-count", "/inbox/ops/unread-count"),
        ("POST", "/inbox/me/messages/5/read", "/inbox/ops/messages/5/read"),
        ("POST", "/inbox/me/read-all", "/inbox/ops/read-all"),
    ]:
        response = await gateway.http.request(method, N + path, headers=ops)
        assert response.status_code == 200, (path, response.text)
        assert (gateway.notify.last()["path"], gateway.notify.last()["query"]) == (
            upstream,
            "kind=staff",
        )
    bad = await gateway.http.post(f"{N}/inbox/me/messages/five/read", headers=ops)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_request")
    assert (await gateway.http.get(f"{N}/inbox/me")).status_code == 401


async def test_a_customers_inbox_is_for_the_front_line(gateway: GatewayUnderTest) -> None:
    agent = await gateway.as_user("agent")
    staff = await gateway.http.get(f"{N}/users/U%201/inbox?kind=staff", headers=agent)
    assert (staff.status_code, staff.json()["code"]) == (422, "unknown_filter")
    inbox = await gateway.http.get(f"{N}/users/U%201/inbox?limit=3", headers=agent)
    assert inbox.status_code == 200, inbox.text
    assert (gateway.notify.last()["path"], gateway.notify.last()["query"]) == (
        "/inbox/U%201",
        "limit=3&kind=user",
    )
    count = await gateway.http.get(f"{N}/users/U1/inbox/unread-count", headers=agent)
    assert count.status_code == 200
    assert gateway.notify.last()["path"] == "/inbox/U1/unread-count"
    for who in ("admin", "ops"):
        refused = await gateway.http.get(f"{N}/users/U1/inbox", headers=await gateway.as_user(who))
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


@pytest.mark.parametrize(
    ("method", "path", "allowed", "refused"),
    [
        ("GET", "/sms", ["agent", "lead"], ["admin", "ops"]),
        ("GET", "/sms/latest-code?phone=13800138000", ["lead"], ["agent", "admin", "ops"]),
        ("GET", "/sms/code-lookups", ["lead", "admin"], ["agent", "ops"]),
        ("POST", "/verification-codes/check", ["agent", "lead"], ["admin", "ops"]),
        ("GET", "/announcements", ["agent", "lead", "ops"], ["admin"]),
        ("POST", "/announcements/3/publish", ["ops"], ["agent", "lead", "admin"]),
    ],
)
async def test_notify_roles(
    gateway: GatewayUnderTest, method: str, path: str, allowed: list[str], refused: list[str]
) -> None:
    body = {"phone": "13800138000", "code": "123456"} if "check" in path else None
    for who in allowed + refused:
        before = len(gateway.notify.seen)
        response = await gateway.http.request(
            method, N + path, json=body, headers=await gateway.as_user(who)
        )
        if who in allowed:
            assert response.status_code == 200, (who, response.text)
            assert gateway.notify.last()["caller"].actor == who
        else:
            assert (response.status_code, response.json()["code"]) == (403, "forbidden"), who
            assert len(gateway.notify.seen) == before  # refused before reaching notify


async def test_the_board_is_public_and_carries_no_actor(gateway: GatewayUnderTest) -> None:
    board = await gateway.http.get(f"{N}/announcements/board")
    assert board.status_code == 200, board.text
    seen = gateway.notify.last()
    assert (seen["method"], seen["path"]) == ("GET", "/announcements/board")
    assert seen["caller"] is not None and seen["caller"].actor is None  # signed, no one acting
    # the rest of the announcements need a sign-in
    assert (await gateway.http.get(f"{N}/announcements")).status_code == 401
    assert (await gateway.http.get(f"{N}/announcements/3")).status_code == 401


async def test_notify_posts_honour_an_idempotency_key_without_needing_one(
    gateway: GatewayUnderTest,
) -> None:
    ops = await gateway.as_user("ops")
    path = f"{N}/announcements/11/publish"
    key = {"Idempotency-Key": new_key()}
    first = await gateway.http.post(path, headers={**ops, **key})
    again = await gateway.http.post(path, headers={**ops, **key})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert gateway.notify.effects["announcements/11/publish"] == 1
    assert gateway.notify.last()["headers"]["idempotency-key"] == key["Idempotency-Key"]
    keyless = await gateway.http.post(path, headers=ops)
    assert keyless.status_code == 200
    assert gateway.notify.effects["announcements/11/publish"] == 2
