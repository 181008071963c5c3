"""Finding vouchers and voiding them, through the gateway, on events published to Kafka."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.masking import mask_phone
from tests.e2e.helpers import Agent, Platform, order, phone

pytestmark = pytest.mark.e2e
ITEM_FIELDS = {
    "code",
    "merchant_order_no",
    "exchanged_at",
    "order_status",
    "source",
    "deduction_status",
    "status",
    "face_value",
    "valid_from",
    "valid_to",
    "actions",
}


async def test_find_by_phone_newest_first_masked_and_paged(
    agent: Agent, platform: Platform
) -> None:
    customer = phone()
    now = datetime.now(UTC)
    older = order(vouchers=2, user_phone=customer, exchanged_at=now - timedelta(days=3))
    newer = order(vouchers=1, user_phone=customer, exchanged_at=now - timedelta(hours=2))
    other = order(
        vouchers=1,
        user_phone=customer,
        source="telecom_points",
        exchanged_at=now - timedelta(days=1),
    )
    for issued in (older, newer, other):
        await platform.issue(issued)
    for issued in (older, newer, other):
        await agent.arrived(issued)
    response = await agent.get("/api/v1/vouchers", phone=customer)
    assert customer not in response.text, "a full phone number in a list"
    items = response.json()["items"]
    assert len(items) == 4
    assert set(items[0]) >= ITEM_FIELDS
    assert [i["merchant_order_no"] for i in items] == [
        newer.merchant_order_no,
        other.merchant_order_no,
        older.merchant_order_no,
        older.merchant_order_no,
    ]
    for item in items:
        if "phone" in item:
            assert item["phone"] == mask_phone(customer)
    by_code = {i["code"]: i for i in items}
    assert by_code[newer.vouchers[0].code]["actions"] == ["void", "reverse"]
    assert by_code[other.vouchers[0].code]["actions"] == ["void"]
    assert by_code[newer.vouchers[0].code]["face_value"] == "10.00"

    first = await agent.get("/api/v1/vouchers", phone=customer, limit=3)
    page = first.json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    second = await agent.get(
        "/api/v1/vouchers", phone=customer, limit=3, cursor=page["next_cursor"]
    )
    rest = second.json()
    assert [i["code"] for i in page["items"] + rest["items"]] == [i["code"] for i in items]
    assert rest["next_cursor"] is None and rest["has_more"] is False
    # what the service does not understand is refused, through the gateway too
    garbage = await agent.get("/api/v1/vouchers", phone=customer, cursor="garbage")
    assert (garbage.status_code, garbage.json()["code"]) == (422, "invalid_cursor")
    unknown = await agent.get("/api/v1/vouchers", phone=customer, order_no="M1")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_filter")


async def test_find_by_order_and_by_code_and_filters(agent: Agent, platform: Platform) -> None:
    issued = order(vouchers=3, source="e_coupon")
    await platform.issue(issued)
    items = await agent.arrived(issued)
    assert {i["code"] for i in items} == {v.code for v in issued.vouchers}
    assert {i["source"] for i in items} == {"e_coupon"}
    code = issued.vouchers[1].code
    assert [i["code"] for i in await agent.vouchers(code=code)] == [code]
    assert len(await agent.vouchers(user_id=issued.user_id, source="e_coupon")) == 3
    assert await agent.vouchers(user_id=issued.user_id, source="bubble") == []
    assert len(await agent.vouchers(user_id=issued.user_id, status="available")) == 3
    detail = await agent.voucher(code)
    assert detail["code"] == code and detail["operations"] == []
    unknown = await agent.get("/api/v1/vouchers/22015000000000000000")
    assert unknown.status_code == 404
    assert set(unknown.json()) >= {"code", "message"}


async def test_void_needs_a_reason_then_succeeds_once_and_is_recorded(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=2)
    await platform.issue(issued)
    await agent.arrived(issued)
    code = issued.vouchers[0].code
    for body in ({"reason": ""}, {"reason": "   "}, {}):
        refused = await agent.post(f"/api/v1/vouchers/{code}/void", body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "reason_required", refused.text
    assert await agent.operations(code) == [], "a refused command changed something"

    done = await agent.post(f"/api/v1/vouchers/{code}/void", {"reason": "客户要求作废"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "succeeded"
    voucher = await agent.voucher(code)
    assert voucher["status"] == "voided" and voucher["actions"] == []
    [record] = await agent.operations(code)
    assert record["type"] == "void" and record["result"] == "succeeded"
    assert record["failure"] is None and record["reason"] == "客户要求作废"
    assert record["operator"] == "agent"
    assert record["operation_no"]
    assert record["trace_id"] and re.fullmatch(r"[0-9a-f]{32}", record["trace_id"])
    assert voucher["operations"] == [record]

    again = await agent.post(f"/api/v1/vouchers/{code}/void", {"reason": "again"})
    assert again.status_code == 409 and again.json()["code"] == "not_available"
    assert len(await agent.operations(code)) == 1
    other = await agent.voucher(issued.vouchers[1].code)
    assert other["status"] == "available", "voiding one voucher touched another"


async def test_idempotency_key_replay_gives_the_same_answer_and_one_effect(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=1)
    await platform.issue(issued)
    await agent.arrived(issued)
    code = issued.vouchers[0].code
    key = str(uuid.uuid4())
    first = await agent.post(f"/api/v1/vouchers/{code}/void", {"reason": "dup"}, key=key)
    second = await agent.post(f"/api/v1/vouchers/{code}/void", {"reason": "dup"}, key=key)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json() == second.json()
    assert len(await agent.operations(code)) == 1
    reused = await agent.post(f"/api/v1/vouchers/{code}/void", {"reason": "other"}, key=key)
    assert 400 <= reused.status_code < 500, "one key, two different commands"
    assert len(await agent.operations(code)) == 1


async def test_void_of_a_9999_code_fails_and_retry_fails_again(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=1, endings=("9999",))
    await platform.issue(issued)
    await agent.arrived(issued)
    code = issued.vouchers[0].code
    response = await agent.post(f"/api/v1/vouchers/{code}/void", {"reason": "客户要求"})
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["status"] == "failed" and outcome["failure"] == "void_failed", outcome
    op = await agent.operation(outcome["operation_id"])
    assert op["status"] == "failed" and op["failure"] == "void_failed"
    assert (await agent.voucher(code))["status"] == "available"

    retried = await agent.post(f"/api/v1/operations/{outcome['operation_id']}/retry")
    assert retried.status_code == 200, retried.text
    final = await agent.finished(outcome["operation_id"])
    assert final["status"] == "failed" and final["failure"] == "void_failed"
    records = await agent.operations(code)
    assert len(records) == 2
    assert {(r["type"], r["result"], r["failure"]) for r in records} == {
        ("void", "failed", "void_failed")
    }
    assert len({r["operation_no"] for r in records}) == 2
    assert (await agent.voucher(code))["status"] == "available"


async def test_void_of_a_9998_code_fails_once_then_retry_succeeds(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=1, endings=("9998",), source="telecom_points")
    await platform.issue(issued)
    await agent.arrived(issued)
    code = issued.vouchers[0].code
    outcome = (await agent.post(f"/api/v1/vouchers/{code}/void", {"reason": "r"})).json()
    assert outcome["status"] == "failed" and outcome["failure"] == "void_failed", outcome
    retried = await agent.post(f"/api/v1/operations/{outcome['operation_id']}/retry")
    assert retried.status_code == 200, retried.text
    final = await agent.finished(outcome["operation_id"])
    assert final["status"] == "succeeded" and final["failure"] is None
    assert (await agent.voucher(code))["status"] == "voided"
    results = [r["result"] for r in await agent.operations(code)]
    assert sorted(results) == ["failed", "succeeded"]
