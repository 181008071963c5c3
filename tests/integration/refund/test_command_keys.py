"""Idempotency-Keys on the refund service's commands beyond the money-moving ones (issue 18
point 3): filing a form, a form's customer wait, the monthly statistics' decisions,
handovers, after-sales tickets (open, review, batch, receive, process, images),
activations and staff. A repeat with the same key answers as the first did and changes
nothing; the same key with another command is refused (422 idempotency_key_reused) and
changes nothing either."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from tests.infra import Infra
from tests.integration.refund.aftersales_fixtures import (
    AGENT,
    LEAD,
    LEAD2,
    OPS,
    PROCESSOR,
    REVIEWER,
    SELLER,
    Clock,
    Refund,
    refund_settings,
    running_refund,
    staff,
)
from tests.integration.refund.test_aftersales_tickets import ADDRESS, active_seller, image

pytestmark = pytest.mark.integration
HR = staff("hr.qian", "admin_hr")


@pytest.fixture(scope="module")
async def refund(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refund]:
    settings = refund_settings(infra, tmp_path_factory.mktemp("command-keys"))
    async with running_refund(settings, Clock()) as running:
        yield running


async def keyed(
    refund: Refund,
    method: str,
    path: str,
    who: dict[str, str],
    key: str,
    body: Any = None,
    expect: int = 200,
) -> Any:
    return await refund.ok(method, path, who | {"Idempotency-Key": key}, expect, json=body)


async def reused(
    refund: Refund, method: str, path: str, who: dict[str, str], key: str, body: Any = None
) -> None:
    answer = await keyed(refund, method, path, who, key, body, 422)
    assert answer["code"] == "idempotency_key_reused", answer


def new_key() -> str:
    return f"k-{uuid.uuid4()}"


def form_body(refund: Refund, **fields: Any) -> dict[str, Any]:
    now = refund.clock.now
    return {
        "order_no": f"TK{uuid.uuid4().hex[:10]}",
        "purchased_at": (now - timedelta(hours=1)).isoformat(),
        "bank": "工商银行",
        "amount_cents": 2550,
        "paid_cents": 2550,
        "phone": "13800138000",
        "fault": "扣款成功未收到订单号",
        "cause": "no_order_no",
        "customer_opinion": "要求全额退款",
        "complaint_at": (now - timedelta(minutes=5)).isoformat(),
        **fields,
    }


async def count(refund: Refund, sql: str, *args: Any) -> int:
    return int(await refund.pool.fetchval(sql, *args))


async def test_a_repeated_filing_answers_the_same_form_and_files_one(refund: Refund) -> None:
    body, key = form_body(refund), new_key()
    first = await keyed(refund, "POST", "/refunds/forms", AGENT, key, body, 201)
    again = await keyed(refund, "POST", "/refunds/forms", AGENT, key, body, 201)
    assert again == first
    other = {**body, "order_no": f"TK{uuid.uuid4().hex[:10]}"}
    await reused(refund, "POST", "/refunds/forms", AGENT, key, other)
    for order_no in (body["order_no"], other["order_no"]):
        expected = 1 if order_no == body["order_no"] else 0
        assert (
            await count(refund, "SELECT count(*) FROM refund_forms WHERE order_no = $1", order_no)
            == expected
        )
    # one filing, one submission-to-finance time limit: nothing started twice
    limits = "SELECT count(*) FROM refund_form_deadlines WHERE form_id = $1"
    assert await count(refund, limits, first["form_id"]) == 2


async def test_a_repeated_customer_wait_records_one_step(refund: Refund) -> None:
    form = await refund.ok("POST", "/refunds/forms", AGENT, 201, json=form_body(refund))
    path, key = f"/refunds/forms/{form['form_id']}/customer-wait", new_key()
    body = {"waiting": True, "note": "等客户提供银行流水"}
    first = await keyed(refund, "POST", path, LEAD, key, body)
    assert await keyed(refund, "POST", path, LEAD, key, body) == first
    await reused(refund, "POST", path, LEAD, key, {"waiting": False, "note": ""})
    assert (await refund.ok("GET", f"/refunds/forms/{form['form_id']}", LEAD)) == first


async def test_a_repeated_statistics_decision_is_taken_once(refund: Refund) -> None:
    last_month = (refund.clock.now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    path = f"/refunds/reports/monthly-statistics/{last_month}/service"
    key = new_key()
    first = await keyed(refund, "POST", f"{path}/approve", LEAD, key, {"opinion": "无误"})
    assert first["state"] == "approved"
    # approved already: without the key this is refused (wrong_state); with it, the answer
    again = await keyed(refund, "POST", f"{path}/approve", LEAD, key, {"opinion": "无误"})
    assert again == first
    await reused(refund, "POST", f"{path}/approve", LEAD, key, {"opinion": "另一意见"})
    await keyed(refund, "POST", f"{path}/verify", HR, new_key(), {"opinion": "已核实"})
    await keyed(refund, "POST", f"{path}/archive", HR, new_key())
    note, key = {"note": "已处理完毕"}, new_key()
    noted = await keyed(refund, "POST", f"{path}/follow-ups", HR, key, note)
    assert await keyed(refund, "POST", f"{path}/follow-ups", HR, key, note) == noted
    await reused(refund, "POST", f"{path}/follow-ups", HR, key, {"note": "另一条"})
    now = await refund.ok("GET", path, HR)
    assert [h["action"] for h in now["history"]] == ["approve", "verify", "archive", "follow_up"]


async def test_a_repeated_handover_is_written_and_acknowledged_once(refund: Refund) -> None:
    now = refund.clock.now
    body = {
        "shift": "night",
        "period_start": (now - timedelta(hours=8)).isoformat(),
        "period_end": now.isoformat(),
        "finished": ["整理当日故障统计表"],
        "attendance": {"expected": ["王明"], "present": ["王明"]},
        "cleaning": {"done": True, "responsible": "王明"},
    }
    before = await count(refund, "SELECT count(*) FROM refund_handovers")
    key = new_key()
    made = await keyed(refund, "POST", "/refunds/handovers", LEAD, key, body, 201)
    assert await keyed(refund, "POST", "/refunds/handovers", LEAD, key, body, 201) == made
    await reused(refund, "POST", "/refunds/handovers", LEAD, key, {**body, "shift": "day"})
    assert await count(refund, "SELECT count(*) FROM refund_handovers") == before + 1
    path, key = f"/refunds/handovers/{made['id']}/acknowledge", new_key()
    done = await keyed(refund, "POST", path, LEAD2, key)
    # acknowledged already: without the key, 409; with it, the first answer
    assert await keyed(refund, "POST", path, LEAD2, key) == done


async def test_repeated_ticket_commands_act_once(refund: Refund) -> None:
    seller = await active_seller(refund)
    body = {
        "seller_id": seller,
        "application_no": "A1",
        "order_no": f"O{uuid.uuid4().hex[:8]}",
        "customer_id": "U1",
        "service_type": "return",
        "description": "收到的耳机左耳无声",
    }
    key = new_key()
    opened = await keyed(refund, "POST", "/aftersales/tickets", AGENT, key, body, 201)
    assert await keyed(refund, "POST", "/aftersales/tickets", AGENT, key, body, 201) == opened
    await reused(refund, "POST", "/aftersales/tickets", AGENT, key, {**body, "customer_id": "U2"})
    tickets = "SELECT count(*) FROM aftersales_tickets WHERE seller_id = $1"
    assert await count(refund, tickets, seller) == 1

    one = f"/aftersales/tickets/{opened['id']}"
    key, images = new_key(), {"images": [image("a.png")]}
    added = await keyed(refund, "POST", f"{one}/images", AGENT, key, images, 201)
    assert await keyed(refund, "POST", f"{one}/images", AGENT, key, images, 201) == added
    await reused(refund, "POST", f"{one}/images", AGENT, key, {"images": [image("b.png")]})
    assert len((await refund.ok("GET", f"{one}/images", REVIEWER))["items"]) == 1

    for path, who, step in (
        ("review", REVIEWER, {"outcome": "approve_shipment"}),
        ("receive", PROCESSOR, None),
        ("process", PROCESSOR, {"result": "refunded"}),
    ):
        key = new_key()
        first = await keyed(refund, "POST", f"{one}/{path}", who, key, step)
        # the ticket moved on: without the key the repeat is refused; with it, the answer
        assert await keyed(refund, "POST", f"{one}/{path}", who, key, step) == first
    history = (await refund.ok("GET", one, REVIEWER))["history"]
    assert [h["action"] for h in history] == [
        "opened",
        "images_added",
        "reviewed",
        "received",
        "processed",
    ]


async def test_a_repeated_review_batch_answers_the_first_results(refund: Refund) -> None:
    seller = await active_seller(refund)
    ids = []
    for _ in range(2):
        ticket = {
            "seller_id": seller,
            "application_no": "A1",
            "order_no": f"O{uuid.uuid4().hex[:8]}",
            "customer_id": "U1",
            "service_type": "return",
            "description": "屏幕碎裂",
        }
        made = await refund.ok("POST", "/aftersales/tickets", AGENT, 201, json=ticket)
        ids.append(made["id"])
    body, key = {"ticket_ids": ids, "outcome": "approve_shipment"}, new_key()
    first = await keyed(refund, "POST", "/aftersales/tickets/review-batch", REVIEWER, key, body)
    assert (first["reviewed"], first["refused"]) == (2, 0)
    again = await keyed(refund, "POST", "/aftersales/tickets/review-batch", REVIEWER, key, body)
    assert again == first  # not two refusals: the first batch's results
    other = {**body, "outcome": "reject", "reason": "超过售后期"}
    await reused(refund, "POST", "/aftersales/tickets/review-batch", REVIEWER, key, other)
    reviews = "SELECT count(*) FROM aftersales_ticket_events WHERE ticket_id = ANY($1)"
    assert await count(refund, reviews + " AND action = 'reviewed'", ids) == 2


async def test_repeated_activation_and_staff_commands_act_once(refund: Refund) -> None:
    seller = f"S{uuid.uuid4().hex[:8]}"
    body, key = {"seller_id": seller, "return_address": ADDRESS}, new_key()
    applied = await keyed(refund, "POST", "/aftersales/activations", SELLER, key, body, 201)
    assert await keyed(refund, "POST", "/aftersales/activations", SELLER, key, body, 201) == applied
    other = {**body, "return_address": {**ADDRESS, "street": "科技园路2号"}}
    await reused(refund, "POST", "/aftersales/activations", SELLER, key, other)
    path, key = f"/aftersales/activations/{seller}/review", new_key()
    approved = await keyed(refund, "POST", path, OPS, key, {"decision": "approve"})
    assert await keyed(refund, "POST", path, OPS, key, {"decision": "approve"}) == approved
    reject = {"decision": "reject", "reason": "地址不全"}
    await reused(refund, "POST", path, OPS, key, reject)
    history = (await refund.ok("GET", f"/aftersales/activations/{seller}", OPS))["history"]
    assert [h["action"] for h in history] == ["applied", "approved"]

    staff_path, key = f"/aftersales/sellers/{seller}/staff/rev.li", new_key()
    given = await keyed(refund, "PUT", staff_path, SELLER, key, {"permissions": ["review"]})
    assert await keyed(refund, "PUT", staff_path, SELLER, key, {"permissions": ["review"]}) == (
        given
    )
    await reused(refund, "PUT", staff_path, SELLER, key, {"permissions": ["process"]})
    listed = await refund.ok("GET", f"/aftersales/sellers/{seller}/staff", SELLER)
    assert [(s["username"], s["permissions"]) for s in listed["items"]] == [("rev.li", ["review"])]


async def test_a_key_reused_for_another_policy_changes_nothing(refund: Refund) -> None:
    body = {
        "window_start": "09:00:00",
        "window_end": "18:00:00",
        "daily_amount_cap_cents": 500000,
        "daily_count_cap": 50,
    }
    key = new_key()
    first = await keyed(refund, "PUT", "/refunds/policy", OPS, key, body)
    assert await keyed(refund, "PUT", "/refunds/policy", OPS, key, body) == first
    await reused(refund, "PUT", "/refunds/policy", OPS, key, {**body, "daily_count_cap": 5})
    assert (await refund.ok("GET", "/refunds/policy", OPS))["daily_count_cap"] == 50
