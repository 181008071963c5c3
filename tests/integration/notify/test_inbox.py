"""In-app inboxes from notify.inapp.requested.v1: once per dedupe key, newest first, unread
count, mark read; customers' and staff members' inboxes apart."""

from __future__ import annotations

import uuid

import pytest

from shared.contracts import NOTIFY_INAPP_REQUESTED
from tests.infra import eventually
from tests.integration.notify.conftest import ACTOR, Notify, key

pytestmark = pytest.mark.integration


async def inbox_of(notify: Notify, recipient: str, count: int, kind: str = "user") -> dict:  # type: ignore[type-arg]
    async def filled() -> dict | None:  # type: ignore[type-arg]
        page = await notify.get(f"/inbox/{recipient}", kind=kind)
        return page if len(page["items"]) >= count else None

    page: dict = await eventually(filled)  # type: ignore[type-arg]
    return page


async def test_messages_arrive_once_newest_first_and_are_read(notify: Notify) -> None:
    user = f"U{uuid.uuid4().hex[:8]}"
    refunded = key("reversal")
    await notify.inapp(
        user,
        refunded,
        template_id="points_refunded",
        params={"merchant_order_no": "M20181230101322001", "points": 2000},
    )
    await notify.inapp(
        user,
        refunded,
        template_id="points_refunded",
        params={"merchant_order_no": "M2", "points": 1},
    )
    await notify.inapp(
        user, key("feedback"), template_id="feedback_accepted", params={"feedback_id": "F7"}
    )
    page = await inbox_of(notify, user, 2)
    assert [m["title"] for m in page["items"]] == ["反馈已受理", "积分已退回"]
    assert (
        page["items"][1]["body"] == "您的订单M20181230101322001已返销，2000泡泡积分已退回您的账户。"
    )
    assert page["unread"] == 2 and not any(m["read"] for m in page["items"])
    older = page["items"][1]["id"]

    read = await notify.http.post(f"/inbox/{user}/messages/{older}/read", headers=ACTOR)
    assert read.status_code == 200 and read.json()["read"] is True
    again = await notify.http.post(f"/inbox/{user}/messages/{older}/read", headers=ACTOR)
    assert again.json()["read_at"] == read.json()["read_at"]  # idempotent: first read kept
    assert (await notify.get(f"/inbox/{user}/unread-count"))["unread"] == 1
    unread = await notify.get(f"/inbox/{user}", unread_only="true")
    assert [m["title"] for m in unread["items"]] == ["反馈已受理"]

    elsewhere = await notify.http.post(f"/inbox/U-other/messages/{older}/read", headers=ACTOR)
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "message_not_found"
    marked = await notify.http.post(f"/inbox/{user}/read-all", headers=ACTOR)
    assert marked.json() == {"marked": 1}
    assert (await notify.get(f"/inbox/{user}/unread-count"))["unread"] == 0
    # the duplicate request (same dedupe key) never became a second message
    await notify.inapp(user, key("last"), text="最后一条")
    page = await inbox_of(notify, user, 3)
    assert len(page["items"]) == 3


async def test_staff_inboxes_are_apart_from_customers(notify: Notify) -> None:
    name = f"lead{uuid.uuid4().hex[:6]}"
    await notify.inapp(
        name,
        key("overdue"),
        recipient_kind="staff",
        template_id="refund_form_overdue",
        params={"form_id": "RF-1", "order_no": "O1", "step": "财务审核", "limit": "12小时"},
    )
    staff = await inbox_of(notify, name, 1, kind="staff")
    assert (
        staff["items"][0]["body"]
        == "退款单RF-1（订单号O1）在“财务审核”环节已超过12小时时限，请尽快处理。"
    )
    assert (await notify.get(f"/inbox/{name}"))["items"] == []  # not the customer's inbox


async def test_a_bad_template_goes_to_the_dlq_and_the_inbox_carries_on(notify: Notify) -> None:
    user = f"U{uuid.uuid4().hex[:8]}"
    bad, good = key("bad"), key("good")
    await notify.inapp(user, bad, template_id="feedback_rejected", params={"feedback_id": "F1"})
    await notify.inapp(user, good, text="您好")
    [(_, headers)] = await notify.seen.wait(NOTIFY_INAPP_REQUESTED.dlq, bad)
    assert headers["kefu_dlq_reason"] == "template_param_missing"
    page = await inbox_of(notify, user, 1)
    assert [m["body"] for m in page["items"]] == ["您好"]


async def test_inbox_pages(notify: Notify) -> None:
    user = f"U{uuid.uuid4().hex[:8]}"
    for i in range(5):
        await notify.inapp(user, key(f"m{i}"), text=f"消息{i}")
    await inbox_of(notify, user, 5)
    first = await notify.get(f"/inbox/{user}", limit=3)
    second = await notify.get(f"/inbox/{user}", limit=3, cursor=first["next_cursor"])
    bodies = [m["body"] for m in first["items"] + second["items"]]
    assert bodies == [f"消息{i}" for i in range(4, -1, -1)]
    assert second["next_cursor"] is None
