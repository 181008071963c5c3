"""At-least-once delivery across the running services: every message kind delivered twice
changes nothing twice, and a poison message lands in the DLQ while the consumer carries on."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

from shared.contracts import (
    POINTS_REVERSAL_REQUESTED,
    POINTS_REVERSAL_RESULT,
    VOUCHER_ISSUED,
    VOUCHER_REDEEMED,
)
from shared.messaging import cloudevents
from tests.e2e.helpers import Agent, Platform, headers_of, order
from tests.infra import eventually as until

pytestmark = pytest.mark.e2e


async def settle(agent: Agent, platform: Platform) -> None:
    """Let the consumers reach what was published before: a fresh order is applied after it.

    Not a strict barrier (other partitions may lag), so a short grace follows.
    """
    marker = order(vouchers=1)
    await platform.issue(marker)
    await agent.arrived(marker)
    await asyncio.sleep(1.0)


async def test_issue_and_redemption_delivered_twice_apply_once(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=2)
    first = await platform.issue(issued)
    await agent.arrived(issued)
    code = issued.vouchers[0].code
    done = await agent.post(f"/api/v1/vouchers/{code}/void", {"reason": "before the copy"})
    assert done.status_code == 200 and done.json()["status"] == "succeeded", done.text

    redeemed_code = issued.vouchers[1].code
    redemption = await platform.redeem(redeemed_code)

    async def used() -> bool:
        return bool((await agent.voucher(redeemed_code))["status"] == "used")

    await until(used, what="redemption applied")
    await platform.issue(issued, ce_id=first.ce_id)  # the same message, delivered again
    await platform.redeem(redeemed_code, ce_id=redemption.ce_id)
    await settle(agent, platform)

    assert (await agent.voucher(code))["status"] == "voided", "a duplicate issue re-applied"
    assert (await agent.voucher(redeemed_code))["status"] == "used"
    assert len(await agent.vouchers(merchant_order_no=issued.merchant_order_no)) == 2
    assert len(await agent.operations(code)) == 1
    for topic in (VOUCHER_ISSUED.dlq, VOUCHER_REDEEMED.dlq):
        dead = await _dead_letters(platform, topic, {first.ce_id, redemption.ce_id})
        assert dead == [], f"a duplicate was dead-lettered on {topic}"


async def test_points_request_and_result_delivered_again_change_nothing(
    agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=2)
    await platform.issue(issued)
    await agent.arrived(issued)
    response = await agent.post(
        f"/api/v1/orders/{issued.merchant_order_no}/reversal", {"reason": "返销"}
    )
    assert response.status_code in (200, 202), response.text
    operation_id = response.json()["operation_id"]
    assert (await agent.finished(operation_id))["status"] == "succeeded"
    points_before = await agent.points(issued.user_id)
    assert points_before["balance"] == issued.points_deducted
    records_before = [await agent.operations(v.code) for v in issued.vouchers]

    key = issued.merchant_order_no.encode()
    requests = await platform.read(POINTS_REVERSAL_REQUESTED.name, lambda r: r.key == key)
    results = await platform.read(POINTS_REVERSAL_RESULT.name, lambda r: r.key == key)
    for record in requests + results:  # verbatim copies: same ce_id, same payload
        await platform.send_raw(record.topic, record.value, key=record.key, headers=record.headers)
    # the same refund asked for under a new message id: the refund_id still dedupes it
    fresh = {**headers_of(requests[0]), "ce_id": str(uuid.uuid4())}
    await platform.send_raw(
        requests[0].topic, requests[0].value, key=key, headers=cloudevents.encode(fresh)
    )
    await settle(agent, platform)
    await asyncio.sleep(1.0)

    points_after = await agent.points(issued.user_id)
    assert points_after["balance"] == issued.points_deducted, "points refunded twice"
    assert len(points_after["movements"]) == len(points_before["movements"]) == 1
    assert [await agent.operations(v.code) for v in issued.vouchers] == records_before
    assert (await agent.operation(operation_id))["status"] == "succeeded"


async def test_poison_messages_go_to_the_dlq_and_the_consumer_carries_on(
    agent: Agent, platform: Platform
) -> None:
    good = order(vouchers=1)
    key = good.merchant_order_no.encode()  # one partition: the good one comes after both
    bad_json, bad_contract = str(uuid.uuid4()), str(uuid.uuid4())

    def headers(ce_id: str) -> list[tuple[str, bytes]]:
        return cloudevents.encode(
            cloudevents.make_headers(ce_type=VOUCHER_ISSUED.ce_type, source="/test", ce_id=ce_id)
        )

    await platform.send_raw(VOUCHER_ISSUED.name, b"{not json", key=key, headers=headers(bad_json))
    breaking = good.model_dump(mode="json") | {"source": "cash", "merchant_order_no": "MBAD"}
    await platform.send_raw(
        VOUCHER_ISSUED.name,
        json.dumps(breaking).encode(),
        key=key,
        headers=headers(bad_contract),
    )
    await platform.issue(good)
    await agent.arrived(good)

    dead = await _dead_letters(platform, VOUCHER_ISSUED.dlq, {bad_json, bad_contract}, count=2)
    by_id = {h["ce_id"]: h for h in dead}
    assert set(by_id) == {bad_json, bad_contract}
    for h in by_id.values():
        assert h["kefu_dlq_reason"] == "invalid_payload", h
        assert h["kefu_dlq_topic"] == VOUCHER_ISSUED.name
        assert h["kefu_dlq_error"]
    assert "source" in by_id[bad_contract]["kefu_dlq_error"]
    assert await agent.vouchers(merchant_order_no="MBAD") == []


async def _dead_letters(
    platform: Platform, topic: str, ce_ids: set[str], *, count: int = 0
) -> list[dict[str, Any]]:
    """DLQ headers of the given messages: wait for ``count`` of them, else read what is there."""

    def match(record: Any) -> bool:
        return headers_of(record).get("ce_id") in ce_ids

    if count:
        return [headers_of(r) for r in await platform.read(topic, match, count=count)]
    try:
        found = await platform.read(topic, match, count=1, within=1.5)
    except AssertionError:
        return []
    return [headers_of(r) for r in found]
