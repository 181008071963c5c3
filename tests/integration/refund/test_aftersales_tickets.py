"""After-sales through the refund service's HTTP API on the real database: activation and
its review, the ticket's five outcomes, batches, images, permissions, the 48-hour approval
by the system (with a moved clock, across a restart) and the overdue reminders."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.refund.aftersales.handlers.sweep import sweep
from tests.infra import Infra, eventually
from tests.integration.refund.aftersales_fixtures import (
    AGENT,
    OPS,
    PROCESSOR,
    REVIEWER,
    SELLER,
    Clock,
    Refund,
    refund_settings,
    running_refund,
)

pytestmark = pytest.mark.integration
SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
ADDRESS = {
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "street": "科技园路1号",
    "contact_name": "张三",
    "contact_phone": "13800138000",
}


@pytest.fixture(scope="module")
async def refund(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refund]:
    settings = refund_settings(infra, tmp_path_factory.mktemp("aftersales"))
    async with running_refund(settings, Clock()) as running:
        yield running


def image(name: str = "a.png", size: int = 0) -> dict[str, str]:
    data = PNG + b"\0" * max(size - len(PNG), 0)
    return {
        "filename": name,
        "content_type": "image/png",
        "data_base64": base64.b64encode(data).decode(),
    }


async def active_seller(refund: Refund) -> str:
    """An approved seller whose main account gave REVIEWER review and PROCESSOR processing."""
    seller = f"S{uuid.uuid4().hex[:8]}"
    body = {"seller_id": seller, "return_address": ADDRESS}
    await refund.ok("POST", "/aftersales/activations", SELLER, 201, json=body)
    await refund.ok(
        "POST", f"/aftersales/activations/{seller}/review", OPS, json={"decision": "approve"}
    )
    for who, permission in ((REVIEWER, "review"), (PROCESSOR, "process")):
        staff = f"/aftersales/sellers/{seller}/staff/{who['X-Kefu-Actor']}"
        await refund.ok("PUT", staff, SELLER, json={"permissions": [permission]})
    return seller


async def open_ticket(
    refund: Refund, seller: str, application: str = "A1", **fields: Any
) -> dict[str, Any]:
    body = {
        "seller_id": seller,
        "application_no": application,
        "order_no": f"O{uuid.uuid4().hex[:8]}",
        "customer_id": "U1",
        "service_type": "return",
        "description": "收到的耳机左耳无声",
        **fields,
    }
    created: dict[str, Any] = await refund.ok("POST", "/aftersales/tickets", AGENT, 201, json=body)
    return created


async def ticket(refund: Refund, ticket_id: int) -> dict[str, Any]:
    detail: dict[str, Any] = await refund.ok("GET", f"/aftersales/tickets/{ticket_id}", REVIEWER)
    return detail


async def test_the_address_picker_walks_province_city_district(refund: Refund) -> None:
    provinces = await refund.ok("GET", "/aftersales/regions", SELLER)
    assert {"code": "440000", "name": "广东省", "has_children": True} in provinces["items"]
    assert not provinces["has_more"] and provinces["total"] == len(provinces["items"]) == 34
    cities = await refund.ok("GET", "/aftersales/regions", OPS, params={"parent": "440000"})
    assert {"code": "440300", "name": "深圳市", "has_children": True} in cities["items"]
    districts = await refund.ok("GET", "/aftersales/regions", SELLER, params={"parent": "440300"})
    assert {"code": "440305", "name": "南山区", "has_children": False} in districts["items"]
    await refund.refused(
        "GET", "/aftersales/regions", SELLER, 404, "region_not_found", params={"parent": "1"}
    )
    await refund.refused("GET", "/aftersales/regions", AGENT, 403, "permission_missing")


async def test_activation_rejected_shows_why_and_is_sent_again(refund: Refund) -> None:
    seller = f"S{uuid.uuid4().hex[:8]}"
    two_levels = {**ADDRESS, "district": ""}
    await refund.refused(
        "POST",
        "/aftersales/activations",
        SELLER,
        422,
        "invalid_return_address",
        json={"seller_id": seller, "return_address": two_levels},
    )
    await refund.refused(
        "GET", f"/aftersales/activations/{seller}", OPS, 404, "activation_not_found"
    )
    body = {"seller_id": seller, "return_address": ADDRESS}
    applied = await refund.ok("POST", "/aftersales/activations", SELLER, 201, json=body)
    assert applied["status"] == "pending_review"
    await refund.refused(
        "POST", "/aftersales/activations", SELLER, 409, "activation_pending", json=body
    )
    not_active = {
        "seller_id": seller,
        "application_no": "A1",
        "order_no": "O1",
        "customer_id": "U1",
        "service_type": "return",
        "description": "坏了",
    }
    await refund.refused(
        "POST", "/aftersales/tickets", AGENT, 409, "seller_not_activated", json=not_active
    )
    review = f"/aftersales/activations/{seller}/review"
    await refund.refused(
        "POST", review, SELLER, 403, "permission_missing", json={"decision": "approve"}
    )
    await refund.refused("POST", review, OPS, 422, "reason_required", json={"decision": "reject"})
    rejected = await refund.ok(
        "POST", review, OPS, json={"decision": "reject", "reason": "退货地址缺少门牌号"}
    )
    assert rejected["status"] == "rejected"
    shown = await refund.ok("GET", f"/aftersales/activations/{seller}", SELLER)
    assert shown["rejection_reason"] == "退货地址缺少门牌号" and shown["can_apply_again"]

    fixed = {**ADDRESS, "street": "科技园路1号A座101"}
    again = await refund.ok(
        "POST",
        "/aftersales/activations",
        SELLER,
        201,
        json={"seller_id": seller, "return_address": fixed},
    )
    assert again["attempts"] == 2 and again["rejection_reason"] is None
    approved = await refund.ok("POST", review, OPS, json={"decision": "approve"})
    assert approved["status"] == "approved"
    detail = await refund.ok("GET", f"/aftersales/activations/{seller}", OPS)
    assert [(h["action"], h["actor"]) for h in detail["history"]] == [
        ("applied", "seller.main"),
        ("rejected", "ops.zhao"),
        ("applied", "seller.main"),
        ("approved", "ops.zhao"),
    ]
    listed = await refund.ok("GET", "/aftersales/activations", OPS, params={"status": "approved"})
    mine = [a for a in listed["items"] if a["seller_id"] == seller]
    assert mine[0]["return_address"]["contact_phone"] == "138****8000"
    assert (await open_ticket(refund, seller))["status"] == "awaiting_review"


async def test_review_and_processing_are_separate_and_refusals_change_nothing(
    refund: Refund,
) -> None:
    seller = await active_seller(refund)
    t = await open_ticket(refund, seller)
    path = f"/aftersales/tickets/{t['id']}"
    await refund.refused(
        "POST",
        f"{path}/review",
        PROCESSOR,
        403,
        "permission_missing",
        json={"outcome": "approve_shipment"},
    )
    await refund.refused("POST", f"{path}/receive", REVIEWER, 403, "permission_missing")
    await refund.refused("POST", f"{path}/receive", PROCESSOR, 409, "ticket_not_awaiting_receipt")
    await refund.refused(
        "POST",
        f"{path}/process",
        PROCESSOR,
        409,
        "ticket_not_awaiting_processing",
        json={"result": "refunded"},
    )
    await refund.refused(
        "POST", f"{path}/review", REVIEWER, 422, "reason_required", json={"outcome": "reject"}
    )
    await refund.refused(
        "POST",
        "/aftersales/tickets/987654321/review",
        REVIEWER,
        404,
        "ticket_not_found",
        json={"outcome": "approve_shipment"},
    )
    unchanged = await ticket(refund, t["id"])
    assert unchanged["status"] == "awaiting_review" and unchanged["outcome"] is None
    assert [h["action"] for h in unchanged["history"]] == ["opened"]

    approved = await refund.ok(
        "POST", f"{path}/review", REVIEWER, json={"outcome": "approve_shipment"}
    )
    # the reviewer's answer shows the reviewer's buttons: receiving is the processor's
    assert approved["status"] == "awaiting_receipt" and approved["actions"] == []
    for_processor = await refund.ok("GET", f"/aftersales/tickets/{t['id']}", PROCESSOR)
    assert for_processor["actions"] == ["receive"]
    await refund.refused(
        "POST",
        f"{path}/review",
        REVIEWER,
        409,
        "ticket_not_reviewable",
        json={"outcome": "reject", "reason": "x"},
    )
    received = await refund.ok("POST", f"{path}/receive", PROCESSOR)
    assert received["status"] == "awaiting_processing"
    done = await refund.ok("POST", f"{path}/process", PROCESSOR, json={"result": "refunded"})
    assert done["status"] == "completed" and done["actions"] == []
    history = (await ticket(refund, t["id"]))["history"]
    assert [(h["action"], h["actor"], h["actor_kind"], h["outcome"]) for h in history] == [
        ("opened", "agent.wu", "staff", None),
        ("reviewed", "rev.li", "staff", "approve_shipment"),
        ("received", "proc.chen", "staff", None),
        ("processed", "proc.chen", "staff", "refunded"),
    ]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("approve_shipment", "awaiting_receipt"),
        ("reject", "rejected"),
        ("resend_without_return", "awaiting_processing"),
        ("await_customer", "awaiting_customer"),
        ("customer_gave_up", "closed"),
    ],
)
async def test_the_five_review_outcomes(refund: Refund, outcome: str, status: str) -> None:
    seller = await active_seller(refund)
    t = await open_ticket(refund, seller)
    reviewed = await refund.ok(
        "POST",
        f"/aftersales/tickets/{t['id']}/review",
        REVIEWER,
        json={"outcome": outcome, "reason": "已与客户确认"},
    )
    assert (reviewed["outcome"], reviewed["status"]) == (outcome, status)
    assert reviewed["review_reason"] == "已与客户确认" and reviewed["reviewed_by"] == "rev.li"


async def test_a_batch_review_answers_per_ticket(refund: Refund) -> None:
    seller = await active_seller(refund)
    a, b, c = [await open_ticket(refund, seller, "APP-1") for _ in range(3)]
    other = await open_ticket(refund, seller, "APP-2")
    await refund.ok(
        "POST",
        f"/aftersales/tickets/{b['id']}/review",
        REVIEWER,
        json={"outcome": "customer_gave_up"},
    )
    body = {"ticket_ids": [a["id"], b["id"], c["id"], 987654321], "outcome": "approve_shipment"}
    answer = await refund.ok("POST", "/aftersales/tickets/review-batch", REVIEWER, json=body)
    assert (answer["reviewed"], answer["refused"]) == (2, 2)
    results = {r["ticket_id"]: r for r in answer["results"]}
    assert [r["ticket_id"] for r in answer["results"]] == body["ticket_ids"]
    assert results[a["id"]]["ok"] and results[a["id"]]["status"] == "awaiting_receipt"
    assert results[c["id"]]["status"] == "awaiting_receipt"
    assert results[b["id"]]["code"] == "ticket_not_reviewable"
    assert results[987654321]["code"] == "ticket_not_found"
    assert (await ticket(refund, b["id"]))["status"] == "closed"

    # Approving shipment in one batch is for one application's tickets: refused whole.
    d = await open_ticket(refund, seller, "APP-1")
    mixed = {"ticket_ids": [d["id"], other["id"]], "outcome": "approve_shipment"}
    await refund.refused(
        "POST", "/aftersales/tickets/review-batch", REVIEWER, 422, "batch_not_allowed", json=mixed
    )
    assert (await ticket(refund, d["id"]))["status"] == "awaiting_review"
    rejected = await refund.ok(
        "POST",
        "/aftersales/tickets/review-batch",
        REVIEWER,
        json={**mixed, "outcome": "reject", "reason": "超过售后期"},
    )
    assert rejected["reviewed"] == 2
    await refund.refused(
        "POST",
        "/aftersales/tickets/review-batch",
        PROCESSOR,
        403,
        "permission_missing",
        json=mixed,
    )


async def test_images_at_most_three_each_under_800_kb(refund: Refund) -> None:
    seller = await active_seller(refund)
    four = [image(f"{i}.png") for i in range(4)]
    base = {
        "seller_id": seller,
        "application_no": "A1",
        "order_no": "O1",
        "customer_id": "U1",
        "service_type": "repair",
        "description": "开不了机",
    }
    await refund.refused(
        "POST", "/aftersales/tickets", AGENT, 422, "too_many_images", json={**base, "images": four}
    )
    big = image("big.png", size=800 * 1024)
    body = await refund.refused(
        "POST", "/aftersales/tickets", AGENT, 413, "image_too_large", json={**base, "images": [big]}
    )
    assert "800 KB" in body["message"]
    listed = await refund.ok("GET", "/aftersales/tickets", REVIEWER, params={"seller_id": seller})
    assert listed["items"] == []  # nothing was opened

    t = await open_ticket(
        refund, seller, images=[image("1.png"), image("2.png", size=800 * 1024 - 1)]
    )
    path = f"/aftersales/tickets/{t['id']}/images"
    fake = {
        "filename": "x.jpg",
        "content_type": "image/jpeg",
        "data_base64": image()["data_base64"],
    }
    await refund.refused("POST", path, AGENT, 422, "invalid_image", json={"images": [fake]})
    added = await refund.ok("POST", path, AGENT, 201, json={"images": [image("3.png")]})
    assert [(i["filename"], i["kind"]) for i in added["items"]] == [("3.png", "customer")]
    await refund.refused("POST", path, AGENT, 422, "too_many_images", json={"images": [image()]})
    listed_images = (await refund.ok("GET", path, REVIEWER))["items"]
    assert [i["size_bytes"] for i in listed_images] == [len(PNG), 800 * 1024 - 1, len(PNG)]
    one = await refund.ok("GET", f"{path}/{listed_images[0]['id']}", REVIEWER)
    assert base64.b64decode(one["data_base64"]) == PNG


async def test_the_reviewers_images_do_not_take_the_customers_places(refund: Refund) -> None:
    seller = await active_seller(refund)
    t = await open_ticket(refund, seller, images=[image("customer.png")])
    path = f"/aftersales/tickets/{t['id']}/images"
    # seed 002: the review result takes up to 3 images, whatever the customer sent
    four = [image(f"r{i}.png") for i in range(4)]
    review = f"/aftersales/tickets/{t['id']}/review"
    body = {"outcome": "approve_shipment"}
    await refund.refused(
        "POST", review, REVIEWER, 422, "too_many_images", json=body | {"images": four}
    )
    assert (await ticket(refund, t["id"]))["status"] == "awaiting_review"
    await refund.ok("POST", review, REVIEWER, json=body | {"images": four[:3]})
    await refund.refused("POST", path, REVIEWER, 422, "too_many_images", json={"images": [image()]})
    # the customer's side still has its two places, and only customer service fills them
    await refund.refused(
        "POST", path, REVIEWER, 403, "permission_missing",
        json={"kind": "customer", "images": [image()]},
    )  # fmt: skip
    await refund.ok("POST", path, AGENT, 201, json={"images": [image("c2.png"), image("c3.png")]})
    await refund.refused("POST", path, AGENT, 422, "too_many_images", json={"images": [image()]})
    await refund.refused(
        "POST", path, AGENT, 403, "permission_missing", json={"kind": "review", "images": [image()]}
    )
    kinds = [(i["kind"], i["filename"]) for i in (await ticket(refund, t["id"]))["images"]]
    assert kinds == [
        ("customer", "customer.png"),
        ("customer", "c2.png"),
        ("customer", "c3.png"),
        ("review", "r0.png"),
        ("review", "r1.png"),
        ("review", "r2.png"),
    ]


async def inapp_requests(refund: Refund, ticket_id: int) -> list[dict[str, Any]]:
    rows = await refund.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = 'notify.inapp.requested.v1' ORDER BY id"
    )
    prefix = f"aftersales:ticket:{ticket_id}:"
    found = [json.loads(bytes(r["payload"])) for r in rows]
    return [p for p in found if p["dedupe_key"].startswith(prefix)]


async def test_unreviewed_for_48_hours_the_system_approves_and_staff_are_reminded(
    refund: Refund,
) -> None:
    seller = await active_seller(refund)
    t = await open_ticket(refund, seller)
    waiting = await open_ticket(refund, seller)
    await refund.ok(
        "POST",
        f"/aftersales/tickets/{waiting['id']}/review",
        REVIEWER,
        json={"outcome": "await_customer", "reason": "等客户补充照片"},
    )
    refund.clock.advance(timedelta(hours=24, seconds=1))

    async def reminded() -> list[dict[str, Any]]:
        return await inapp_requests(refund, t["id"])

    # the seller's own people are reminded: its reviewers and its main account
    reminders = await eventually(reminded, within=5, what="review reminder")
    assert sorted(r["recipient"] for r in reminders) == ["rev.li", "seller.main"]
    review_reminder = reminders[0]
    assert review_reminder["recipient_kind"] == "staff"
    assert review_reminder["template_id"] == "aftersales_ticket_overdue"
    assert review_reminder["params"]["stage"] == "待审核"
    overdue = await refund.ok(
        "GET", "/aftersales/tickets/overdue", REVIEWER, params={"seller_id": seller}
    )
    assert [(o["id"], o["overdue_stage"]) for o in overdue["items"]] == [(t["id"], "review")]
    assert overdue["items"][0]["reminded_at"] is not None

    refund.clock.advance(timedelta(hours=24))

    async def approved() -> dict[str, Any] | None:
        detail = await ticket(refund, t["id"])
        return detail if detail["status"] == "awaiting_receipt" else None

    detail = await eventually(approved, within=5, what="48-hour approval")
    assert detail["reviewed_by"] == "system:auto_approval"
    assert detail["history"][-1]["action"] == "auto_approved"
    assert detail["history"][-1]["actor_kind"] == "system"
    # Waiting for the customer is not waiting for review: no approval, no reminder.
    assert (await ticket(refund, waiting["id"]))["status"] == "awaiting_customer"
    assert await inapp_requests(refund, waiting["id"]) == []

    refund.clock.advance(timedelta(hours=refund.settings.aftersales_receipt_hours))

    async def receipt_reminder() -> list[dict[str, Any]] | None:
        found = await inapp_requests(refund, t["id"])
        return found if len(found) == 4 else None

    found = await eventually(receipt_reminder, within=5, what="receipt reminder")
    receipt = [f for f in found if f["params"]["stage"] == "待收货"]
    assert sorted(f["recipient"] for f in receipt) == ["proc.chen", "seller.main"]
    assert len({f["dedupe_key"] for f in found}) == 4
    for _ in range(3):  # once per stage, however often it is swept
        await sweep(refund.app.state.aftersales)
    assert len(await inapp_requests(refund, t["id"])) == 4


async def test_an_approval_time_brought_forward_wakes_the_sleeping_sweep(refund: Refund) -> None:
    # the sweep sleeps until the earliest due time (a day out) or its backstop (a minute);
    # a ticket whose approval falls due sooner, written from outside, tells it by the trigger
    t = await open_ticket(refund, await active_seller(refund))
    await asyncio.sleep(0.5)  # the sweep has planned its sleep after the opening woke it
    await refund.pool.execute(
        "UPDATE aftersales_tickets SET review_due_at = $2 WHERE id = $1",
        t["id"],
        refund.clock() - timedelta(seconds=1),
    )

    async def approved() -> bool:
        return bool((await ticket(refund, t["id"]))["status"] == "awaiting_receipt")

    await eventually(approved, within=10, what="the approval brought forward")


async def test_the_48_hour_approval_survives_a_restart(
    infra: Infra, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = refund_settings(infra, tmp_path_factory.mktemp("restart"))
    clock, service = Clock(), f"refund{uuid.uuid4().hex[:8]}"
    async with running_refund(settings, clock, service) as first:
        seller = await active_seller(first)
        t = await open_ticket(first, seller)
    clock.advance(timedelta(hours=48))  # it came due while the service was down
    async with running_refund(settings, clock, service) as second:

        async def approved() -> dict[str, Any] | None:
            detail = await ticket(second, t["id"])
            return detail if detail["status"] == "awaiting_receipt" else None

        detail = await eventually(approved, within=5, what="approval after restart")
        assert detail["reviewed_by"] == "system:auto_approval"


async def test_service_quality_counts_the_systems_approvals_against_the_seller(
    refund: Refund,
) -> None:
    seller = await active_seller(refund)
    mine = await open_ticket(refund, seller)
    left = await open_ticket(refund, seller)
    await refund.ok(
        "POST", f"/aftersales/tickets/{mine['id']}/review", REVIEWER,
        json={"outcome": "approve_shipment"},
    )  # fmt: skip
    refund.clock.advance(timedelta(hours=24, seconds=1))

    async def reminded() -> list[dict[str, Any]]:
        return await inapp_requests(refund, left["id"])

    await eventually(reminded, within=5, what="review reminder")
    refund.clock.advance(timedelta(hours=24))

    async def approved() -> bool:
        return bool((await ticket(refund, left["id"]))["status"] == "awaiting_receipt")

    await eventually(approved, within=5, what="48-hour approval")
    month = datetime.fromisoformat(mine["created_at"]).astimezone(SHANGHAI).strftime("%Y-%m")
    path = f"/aftersales/sellers/{seller}/quality"
    got = await refund.ok("GET", path, OPS, params={"month": month})
    assert (got["opened"], got["reviewed_by_staff"], got["auto_approved"]) == (2, 1, 1)
    assert (got["overdue_tickets"], got["on_time_percent"], got["grade"]) == (1, 50, "C")
    await refund.refused("GET", path, AGENT, 403, "permission_missing", params={"month": month})
