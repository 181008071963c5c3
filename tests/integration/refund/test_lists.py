"""Searching refund forms and requested refunds, my queue, and one paging shape on every
list of the refund service (issue 12, points 5, 6, 10, 13)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.refund.conftest import Refund, phone

pytestmark = pytest.mark.integration

LISTS = (
    ("/refunds/forms", "agent"),
    ("/refunds/forms/queue", "cashier"),
    ("/refunds/requested", "ops"),
    ("/refunds/payouts/attention", "cashier"),
    ("/refunds/handovers", "lead"),
)


@pytest.mark.parametrize(("path", "who"), LISTS)
async def test_every_list_refuses_an_unknown_filter_and_a_garbage_cursor(
    refund: Refund, path: str, who: str
) -> None:
    await refund.refused(path, who, "unknown_filter", mobile="13800138000")
    await refund.refused(path, who, "invalid_cursor", cursor="not-a-cursor")
    await refund.refused(path, who, "invalid_cursor", cursor="eyJ4IjoxfQ")  # base64 of {"x":1}
    page = await refund.get(path, who, limit=1)
    assert set(page) >= {"items", "next_cursor", "has_more", "total"}


async def ids(refund: Refund, who: str = "agent", **params: Any) -> list[str]:
    page = await refund.get("/refunds/forms", who, **params)
    return [f["form_id"] for f in page["items"]]


async def test_forms_are_found_by_phone_name_order_complaint_dates_and_state(
    refund: Refund,
) -> None:
    mark = uuid.uuid4().hex[:6]
    number = phone()
    wang = await refund.file(phone=number, customer_name=f"王{mark}明", complaint_no=f"TS{mark}")
    li = await refund.file(customer_name=f"李{mark}")
    assert wang["customer_name"] == f"王{mark}明" and wang["complaint_no"] == f"TS{mark}"
    assert await ids(refund, phone=number) == [wang["form_id"]]
    assert wang["form_id"] in await ids(refund, phone=number[-4:])
    assert await ids(refund, customer_name=mark) == [li["form_id"], wang["form_id"]]
    assert await ids(refund, customer_name=f"王{mark}") == [wang["form_id"]]
    assert await ids(refund, order_no=li["order_no"]) == [li["form_id"]]
    assert await ids(refund, complaint_no=f"TS{mark}") == [wang["form_id"]]
    today = refund.clock().astimezone(refund.settings.tz).date()
    both = await ids(refund, customer_name=mark, filed_from=today, filed_to=today)
    assert both == [li["form_id"], wang["form_id"]]
    assert await ids(refund, customer_name=mark, filed_to=today - timedelta(days=1)) == []
    await refund.step(li["form_id"], "lead-check", "lead")
    states = ["awaiting_tech_verification", "completed"]
    assert await ids(refund, customer_name=mark, state=states) == [li["form_id"]]
    assert await ids(refund, customer_name=mark, state="awaiting_lead_check") == [wang["form_id"]]
    listed = (await refund.get("/refunds/forms", "agent", phone=number))["items"][0]
    assert listed["phone"] == f"{number[:3]}****{number[-4:]}"  # masked in lists
    await refund.refused(
        "/refunds/forms",
        "agent",
        "invalid_period",
        filed_from=today,
        filed_to=today - timedelta(days=1),
    )
    await refund.get("/refunds/forms", "agent", 422, phone="12")
    await refund.get("/refunds/forms", "agent", 422, state="nonsense")


async def test_forms_page_by_cursor_with_a_total(refund: Refund) -> None:
    mark = uuid.uuid4().hex[:6]
    filed = [(await refund.file(customer_name=f"页{mark}"))["form_id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"customer_name": mark, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await refund.get("/refunds/forms", "agent", **params)
        assert page["total"] == 5 and len(page["items"]) <= 2
        seen += [f["form_id"] for f in page["items"]]
        assert page["has_more"] == (page["next_cursor"] is not None)
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert seen == filed[::-1]  # newest first, each once


async def test_my_queue_holds_the_forms_my_role_decides_oldest_due_first(refund: Refund) -> None:
    first = await refund.file()
    refund.clock.advance(minutes=1)
    second = await refund.file()
    for form in (second, first):  # submitted in the other order: due order wins
        for path, who in (
            ("lead-check", "lead"),
            ("tech-verification", "tech"),
            ("finance-submission", "lead2"),
        ):
            await refund.step(form["form_id"], path, who)
        refund.clock.advance(minutes=1)
    mine = {first["form_id"], second["form_id"]}
    queue = await refund.get("/refunds/forms/queue", "cashier", limit=200)
    queued = [f for f in queue["items"] if f["form_id"] in mine]
    assert [f["form_id"] for f in queued] == [second["form_id"], first["form_id"]]
    dues = [f["due_at"] for f in queue["items"]]
    assert dues == sorted(dues)
    detail = await refund.form(second["form_id"])
    finance = next(d for d in detail["deadlines"] if d["step"] == "finance")
    assert queued[0]["due_at"] == finance["due_at"] and queued[0]["due_limit"] == "finance"
    assert queued[0]["state"] == "awaiting_cashier_check" and not queued[0]["overdue"]
    for who in ("accountant", "tech", "agent"):
        others = await refund.get("/refunds/forms/queue", who, limit=200)
        assert not mine & {f["form_id"] for f in others["items"]}
    third = await refund.file()
    lead = await refund.get("/refunds/forms/queue", "lead", limit=200)
    waiting = {f["form_id"]: f for f in lead["items"]}
    assert waiting[third["form_id"]]["due_limit"] == "submission_to_finance"
    assert not mine & set(waiting)
    # an agent's queue: the sent-back forms, by when they came back, under no limit
    back = await refund.file()
    for path, who in (
        ("lead-check", "lead"),
        ("tech-verification", "tech"),
        ("finance-submission", "lead2"),
    ):
        await refund.step(back["form_id"], path, who)
    await refund.step(back["form_id"], "cashier-check", "cashier", "send_back", "卡号不符")
    agent = await refund.get("/refunds/forms/queue", "agent", limit=200)
    returned = [f for f in agent["items"] if f["form_id"] == back["form_id"]]
    assert returned[0]["state"] == "sent_back" and returned[0]["due_at"] is None
    assert returned[0]["actions"] == ["resubmit", "customer_wait"]
    detail = await refund.form(back["form_id"])
    came_back = next(s["at"] for s in detail["steps"] if s["decision"] == "sent_back")
    assert returned[0]["queued_at"] == came_back
    assert all(f["state"] == "sent_back" for f in agent["items"])
    # paged by its own cursor, in due order
    one = await refund.get("/refunds/forms/queue", "cashier", limit=1)
    rest = await refund.get("/refunds/forms/queue", "cashier", limit=200, cursor=one["next_cursor"])
    assert [f["form_id"] for f in one["items"] + rest["items"]] == [
        f["form_id"] for f in queue["items"]
    ]


async def test_requested_refunds_are_filtered_and_paged(refund: Refund) -> None:
    user = f"U{uuid.uuid4().hex[:8]}"
    number = phone()
    asked = [await refund.request_refund(user_id=user, phone=number) for _ in range(3)]
    for a in asked:
        await refund.requested(a["request_id"])
    page = await refund.get("/refunds/requested", "ops", user_id=user, limit=2)
    assert page["total"] == 3 and len(page["items"]) == 2 and page["has_more"]
    rest = await refund.get(
        "/refunds/requested", "ops", user_id=user, limit=2, cursor=page["next_cursor"]
    )
    got = [r["request_id"] for r in page["items"] + rest["items"]]
    assert got == [a["request_id"] for a in asked][::-1] and not rest["has_more"]
    by_phone = await refund.get("/refunds/requested", "ops", phone=number[-4:], user_id=user)
    assert by_phone["total"] == 3 and by_phone["items"][0]["phone"].startswith(number[:3] + "*")
    one = await refund.get("/refunds/requested", "ops", request_id=asked[1]["request_id"])
    assert [r["user_id"] for r in one["items"]] == [user]
    today = refund.clock().astimezone(refund.settings.tz).date()
    dated = await refund.get(
        "/refunds/requested", "ops", user_id=user, received_from=today, received_to=today
    )
    assert dated["total"] == 3
    later = await refund.get(
        "/refunds/requested", "ops", user_id=user, received_from=today + timedelta(days=1)
    )
    assert later["total"] == 0
    waiting = await refund.get(
        "/refunds/requested", "ops", user_id=user, state=["awaiting_approval", "paying"]
    )
    assert waiting["total"] == 3
