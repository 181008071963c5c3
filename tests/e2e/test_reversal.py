"""Order reversal through the gateway: the saga across the voucher service, Kafka and the
points gateway, with each failure cause of the seed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.helpers import Agent, Platform, order
from tests.infra import eventually as until

pytestmark = pytest.mark.e2e


async def balance(agent: Agent, user_id: str) -> int:
    return int((await agent.points(user_id))["balance"])


async def reverse(agent: Agent, merchant_order_no: str, reason: str = "客户申请返销") -> Any:
    response = await agent.post(f"/api/v1/orders/{merchant_order_no}/reversal", {"reason": reason})
    assert response.status_code in (200, 202), response.text
    body = response.json()
    assert body["status"] in ("pending", "succeeded", "failed"), body
    return body


async def test_reversal_voids_every_voucher_and_refunds_the_points(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=3, face_value="20.00")
    await platform.issue(issued)
    await agent.arrived(issued)
    before = await balance(agent, issued.user_id)

    started = await reverse(agent, issued.merchant_order_no)
    final = await agent.finished(started["operation_id"])
    assert final["status"] == "succeeded" and final["failure"] is None, final

    assert await balance(agent, issued.user_id) == before + issued.points_deducted
    movements = (await agent.points(issued.user_id))["movements"]
    assert [m["points"] for m in movements] == [issued.points_deducted]
    for voucher in issued.vouchers:
        detail = await agent.voucher(voucher.code)
        assert detail["status"] == "voided" and detail["actions"] == []
        [record] = await agent.operations(voucher.code)
        assert record["type"] == "reversal" and record["result"] == "succeeded", record
        assert record["reason"] == "客户申请返销" and record["operator"] == "agent"
    again = await agent.post(f"/api/v1/orders/{issued.merchant_order_no}/reversal", {"reason": "x"})
    assert 400 <= again.status_code < 500, "an order reversed twice"
    assert await balance(agent, issued.user_id) == before + issued.points_deducted


async def test_reversal_refusals_change_nothing(agent: Agent, platform: Platform) -> None:
    used = order(vouchers=2)
    telecom = order(vouchers=1, source="telecom_points")
    await platform.issue(used)
    await platform.issue(telecom)
    await agent.arrived(used)
    await agent.arrived(telecom)
    await platform.redeem(used.vouchers[0].code)

    async def redeemed() -> bool:
        return bool((await agent.voucher(used.vouchers[0].code))["status"] == "used")

    await until(redeemed, what="the redemption applied")
    no_reason = await agent.post(f"/api/v1/orders/{used.merchant_order_no}/reversal", {})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    blocked = await agent.post(
        f"/api/v1/orders/{used.merchant_order_no}/reversal", {"reason": "客户申请"}
    )
    assert blocked.status_code == 409 and blocked.json()["code"] == "voucher_used", blocked.text
    not_bubble = await agent.post(
        f"/api/v1/orders/{telecom.merchant_order_no}/reversal", {"reason": "客户申请"}
    )
    assert not_bubble.status_code == 409, not_bubble.text
    assert not_bubble.json()["code"] == "source_not_reversible"
    assert (await agent.voucher(used.vouchers[1].code))["status"] == "available"
    assert (await agent.voucher(telecom.vouchers[0].code))["status"] == "available"
    assert await balance(agent, used.user_id) == 0


async def test_failpts_reversal_ends_voided_but_points_refund_failed(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=2, user_id=f"FAILPTS{uuid.uuid4().hex[:8]}")
    await platform.issue(issued)
    await agent.arrived(issued)
    started = await reverse(agent, issued.merchant_order_no)
    final = await agent.finished(started["operation_id"])
    assert final["status"] == "failed" and final["failure"] == "points_refund_failed", final
    for voucher in issued.vouchers:
        assert (await agent.voucher(voucher.code))["status"] == "voided"
        records = await agent.operations(voucher.code)
        assert [(r["type"], r["result"], r["failure"]) for r in records] == [
            ("reversal", "failed", "points_refund_failed")
        ]
    assert await balance(agent, issued.user_id) == 0


async def test_flakypts_refund_fails_once_then_the_retry_succeeds(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=1, user_id=f"FLAKYPTS{uuid.uuid4().hex[:8]}")
    await platform.issue(issued)
    await agent.arrived(issued)
    started = await reverse(agent, issued.merchant_order_no)
    failed = await agent.finished(started["operation_id"])
    assert failed["failure"] == "points_refund_failed", failed
    retried = await agent.post(f"/api/v1/operations/{started['operation_id']}/retry")
    assert retried.status_code in (200, 202), retried.text
    final = await agent.finished(started["operation_id"])
    assert final["status"] == "succeeded", final
    assert await balance(agent, issued.user_id) == issued.points_deducted
    [voucher] = issued.vouchers
    records = await agent.operations(voucher.code)
    assert [(r["type"], r["result"], r["failure"]) for r in records] == [
        ("reversal", "failed", "points_refund_failed"),
        ("reversal", "succeeded", None),
    ]


async def test_reversal_hits_a_void_failure_and_resumes_when_retried(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=3, endings=("", "9998", ""))
    await platform.issue(issued)
    await agent.arrived(issued)
    started = await reverse(agent, issued.merchant_order_no)
    failed = await agent.finished(started["operation_id"])
    assert failed["status"] == "failed" and failed["failure"] == "void_failed", failed
    assert await balance(agent, issued.user_id) == 0
    retried = await agent.post(f"/api/v1/operations/{started['operation_id']}/retry")
    assert retried.status_code in (200, 202), retried.text
    final = await agent.finished(started["operation_id"])
    assert final["status"] == "succeeded", final
    assert await balance(agent, issued.user_id) == issued.points_deducted
    for voucher in issued.vouchers:
        assert (await agent.voucher(voucher.code))["status"] == "voided"
        # each voucher of the order has the failure on record, then the success
        records = await agent.operations(voucher.code)
        assert [(r["type"], r["result"], r["failure"]) for r in records] == [
            ("reversal", "failed", "void_failed"),
            ("reversal", "succeeded", None),
        ]


async def test_reversal_idempotency_key_replay_starts_one_saga(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=1)
    await platform.issue(issued)
    await agent.arrived(issued)
    key = str(uuid.uuid4())
    path = f"/api/v1/orders/{issued.merchant_order_no}/reversal"
    first = await agent.post(path, {"reason": "r"}, key=key)
    second = await agent.post(path, {"reason": "r"}, key=key)
    assert first.status_code == second.status_code, (first.text, second.text)
    assert first.json()["operation_id"] == second.json()["operation_id"]
    await agent.finished(first.json()["operation_id"])
    assert await balance(agent, issued.user_id) == issued.points_deducted
    assert len(await agent.operations(issued.vouchers[0].code)) == 1
