"""SMS on the real broker and database: once per dedupe key, failover, retries, the rate
limit and template errors to the DLQ with their reasons, and the SMS log."""

from __future__ import annotations

import asyncio
import json

import pytest

from services.notify.adapters.sandbox_sms import PRIMARY, SECONDARY
from services.notify.adapters.sms_provider import OutgoingSms
from services.notify.domain.templates import render
from services.notify.store import sms as store
from shared.contracts import NOTIFY_SMS_FAILED, NOTIFY_SMS_REQUESTED, NOTIFY_SMS_SENT
from shared.masking import mask_phone
from shared.messaging import cloudevents
from tests.integration.notify.conftest import ACTOR, Notify, key, phone

pytestmark = pytest.mark.integration


async def test_a_request_arriving_many_times_sends_one_sms(notify: Notify) -> None:
    to, dedupe = phone(), key("refund")
    first = await notify.sms(to, dedupe)
    await notify.sms(to, dedupe, ce_id=first)  # the same message, delivered again
    await notify.sms(to, dedupe)  # the publisher asked again (a new message, same key)
    await notify.sms(to, dedupe)
    marker = key("after")
    await notify.sms(to, marker)  # same phone, so same partition: after the copies
    await notify.wait_status(marker, "sent")
    row = await notify.wait_status(dedupe, "sent")
    assert (row["provider"], row["attempts"]) == (PRIMARY, 1)
    assert row["text"] == "您的订单M1已返销，2000泡泡积分已退回您的账户。"
    ledger = await notify.ledger(to)
    assert [r["message_id"] for r in ledger].count(f"kefu-sms-{row['id']}") == 1
    assert len(ledger) == 2
    [(sent, headers)] = await notify.seen.wait(NOTIFY_SMS_SENT.name, dedupe)
    assert (
        sent["provider_message_id"]
        == row["provider_message_id"]
        == ledger[0]["provider_message_id"]
    )
    assert headers["ce_type"] == NOTIFY_SMS_SENT.ce_type
    await asyncio.sleep(0.3)
    assert len(notify.seen.of(NOTIFY_SMS_SENT.name, dedupe)) == 1


async def test_a_failing_primary_fails_over_to_the_secondary(notify: Notify) -> None:
    to, dedupe = phone("0000"), key()
    await notify.sms(to, dedupe)
    row = await notify.wait_status(dedupe, "sent")
    assert row["provider"] == SECONDARY and row["attempts"] == 1
    assert [r["provider"] for r in await notify.ledger(to)] == [SECONDARY]
    detail = await notify.get(f"/sms/{row['id']}")
    assert [(c["provider"], c["accepted"]) for c in detail["calls"]] == [
        (PRIMARY, False),
        (SECONDARY, True),
    ]
    assert "0000" in detail["calls"][0]["answer"]


async def test_both_failing_is_retried_with_back_off_then_given_up(notify: Notify) -> None:
    to, dedupe = phone("0001"), key()
    await notify.sms(to, dedupe)
    [(failed, _)] = await notify.seen.wait(NOTIFY_SMS_FAILED.name, dedupe)
    assert failed["reason"] == "providers_unavailable"
    assert failed["attempts"] == notify.settings.sms_max_attempts == 3
    row = await notify.wait_status(dedupe, "failed")
    assert row["failure"] == "providers_unavailable" and row["sent_at"] is None
    calls = await store.calls_of(notify.pool, row["id"])
    assert [(c.attempt, c.provider) for c in calls] == [
        (1, PRIMARY),
        (1, SECONDARY),
        (2, PRIMARY),
        (2, SECONDARY),
        (3, PRIMARY),
        (3, SECONDARY),
    ]
    gaps = [(b.at - a.at).total_seconds() for a, b in zip(calls[1:-1:2], calls[2::2], strict=True)]
    assert all(g >= 0.1 for g in gaps), gaps  # parked between rounds, not retried hot
    assert await notify.ledger(to) == []
    assert not await notify.pool.fetchval("SELECT count(*) FROM parked_messages")
    assert notify.seen.of(NOTIFY_SMS_REQUESTED.dlq, dedupe) == []


async def test_a_flaky_number_is_sent_on_the_retry(notify: Notify) -> None:
    to, dedupe = phone("0002"), key()
    await notify.sms(to, dedupe)
    row = await notify.wait_status(dedupe, "sent")
    assert (row["attempts"], row["provider"]) == (2, PRIMARY)
    [(sent, _)] = await notify.seen.wait(NOTIFY_SMS_SENT.name, dedupe)
    assert sent["attempts"] == 2


async def test_a_number_the_providers_reject_fails_at_once(notify: Notify) -> None:
    to, dedupe = phone("0003"), key()
    await notify.sms(to, dedupe)
    [(failed, _)] = await notify.seen.wait(NOTIFY_SMS_FAILED.name, dedupe)
    assert (failed["reason"], failed["attempts"]) == ("provider_rejected", 1)
    assert "no such number" in failed["detail"]


async def test_the_rate_limit_sends_the_request_to_the_dlq_and_records_it(notify: Notify) -> None:
    to = phone()
    allowed = [key("ok") for _ in range(notify.settings.sms_rate_limit_count)]
    for dedupe in allowed:
        await notify.sms(to, dedupe)
    over = key("over")
    await notify.sms(to, over)
    [(_, headers)] = await notify.seen.wait(NOTIFY_SMS_REQUESTED.dlq, over)
    assert headers["kefu_dlq_reason"] == "rate_limited"
    assert mask_phone(to) in headers["kefu_dlq_error"] and to not in headers["kefu_dlq_error"]
    for dedupe in allowed:
        await notify.wait_status(dedupe, "sent")
    row = await notify.wait_status(over, "rejected")
    assert row["failure"] == "rate_limited" and row["admitted_at"] is None
    [(failed, _)] = await notify.seen.wait(NOTIFY_SMS_FAILED.name, over)
    assert failed["reason"] == "rate_limited"
    assert len(await notify.ledger(to)) == notify.settings.sms_rate_limit_count
    log = await notify.get("/sms", phone=to, status="rejected")
    assert [i["dedupe_key"] for i in log["items"]] == [over]


async def test_template_errors_go_to_the_dlq_with_their_reason(notify: Notify) -> None:
    to = phone()
    unknown, missing, fine = key("unknown"), key("missing"), key("fine")
    await notify.sms(to, unknown, template_id="no_such_template", params={})
    await notify.sms(to, missing, template_id="refund_paid", params={"amount": "12.50"})
    await notify.sms(to, fine, text="今晚系统维护。")
    [(_, h1)] = await notify.seen.wait(NOTIFY_SMS_REQUESTED.dlq, unknown)
    [(_, h2)] = await notify.seen.wait(NOTIFY_SMS_REQUESTED.dlq, missing)
    assert h1["kefu_dlq_reason"] == "template_unknown"
    assert h2["kefu_dlq_reason"] == "template_param_missing" and "order_no" in h2["kefu_dlq_error"]
    assert h2["kefu_dlq_consumer"] == "notify.sms_requested"
    await notify.wait_status(fine, "sent")  # the consumer carried on
    assert (await notify.sms_row(missing))["failure"] == "template_param_missing"  # type: ignore[index]
    assert [r["text"] for r in await notify.ledger(to)] == ["今晚系统维护。"]


async def test_a_send_cut_off_by_a_crash_is_not_sent_twice(notify: Notify) -> None:
    """The process died after the secondary accepted the SMS and before our commit."""
    to, dedupe = phone(), key("crash")
    deps = notify.app.state.deps
    rendered = render("refund_paid", {"amount": "8.00", "order_no": "O9"})
    row = await store.admit(
        notify.pool,
        dedupe_key=dedupe,
        phone=to,
        params={"amount": "8.00", "order_no": "O9"},
        sealed_params=None,
        rendered=rendered,
        requested_by="tests",
        first_provider=PRIMARY,
        now=deps.clock(),
    )
    assert row is not None
    # the primary was unavailable; the secondary is about to be asked ...
    await store.begin_call(notify.pool, row.id, SECONDARY)
    secondary = deps.sender.provider(SECONDARY)
    receipt = await secondary.send(OutgoingSms(f"kefu-sms-{row.id}", to, rendered.text))
    # ... crash. The request is delivered again:
    await notify.sms(
        to, dedupe, template_id="refund_paid", params={"amount": "8.00", "order_no": "O9"}
    )
    sent = await notify.wait_status(dedupe, "sent")
    assert sent["provider_message_id"] == receipt.provider_message_id
    assert [(r["provider"], r["provider_message_id"]) for r in await notify.ledger(to)] == [
        (SECONDARY, receipt.provider_message_id)
    ]


async def test_the_sms_log_masks_phones_and_pages(notify: Notify) -> None:
    to = phone()
    keys = [key("page") for _ in range(3)]
    for dedupe in keys:
        await notify.sms(to, dedupe)
    for dedupe in keys:
        await notify.wait_status(dedupe, "sent")
    first = await notify.get("/sms", phone=to, limit=2)
    assert [i["dedupe_key"] for i in first["items"]] == keys[::-1][:2]
    assert {i["phone"] for i in first["items"]} == {mask_phone(to)}
    assert to not in first["items"][0]["phone"]
    second = await notify.get("/sms", phone=to, limit=2, cursor=first["next_cursor"])
    assert [i["dedupe_key"] for i in second["items"]] == keys[:1]
    assert second["next_cursor"] is None
    bad = await notify.http.get("/sms", params={"cursor": "nope"}, headers=ACTOR)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
    assert (await notify.http.get("/sms")).json()["code"] == "actor_required"
    missing = await notify.http.get("/sms/999999999", headers=ACTOR)
    assert missing.status_code == 404 and missing.json()["code"] == "sms_not_found"


async def test_a_batch_with_copies_and_a_failing_number_sends_each_once(notify: Notify) -> None:
    """Many requests at once (consumed as batches, sent concurrently): copies and one number
    whose providers are down must not make anything go twice."""
    wanted = [(phone(), key("many")) for _ in range(20)]
    down_phone, down = phone("0001"), key("down")
    payloads = [
        {"phone": p, "dedupe_key": k, "text": f"批量 {k}", "requested_by": "tests"}
        for p, k in [*wanted, *wanted[:5], (down_phone, down)]
    ]
    for payload in payloads:
        await notify.producer.send(
            NOTIFY_SMS_REQUESTED.name,
            json.dumps(payload).encode(),
            key=str(payload["phone"]).encode(),
            headers=cloudevents.encode(
                cloudevents.make_headers(ce_type=NOTIFY_SMS_REQUESTED.ce_type, source="/tests")
            ),
        )
    await notify.producer.flush()
    for _, k in wanted:
        await notify.wait_status(k, "sent")
    await notify.seen.wait(NOTIFY_SMS_FAILED.name, down)
    ledger = await notify.pool.fetch(
        "SELECT phone, count(*) AS n FROM sandbox_sms_ledger WHERE phone = ANY($1::text[])"
        " GROUP BY phone",
        [p for p, _ in wanted],
    )
    assert {r["phone"]: r["n"] for r in ledger} == {p: 1 for p, _ in wanted}
    for _, k in wanted:
        assert len(await notify.seen.wait(NOTIFY_SMS_SENT.name, k)) == 1
    await asyncio.sleep(0.3)
    assert all(len(notify.seen.of(NOTIFY_SMS_SENT.name, k)) == 1 for _, k in wanted)


async def test_one_requests_retry_does_not_replay_its_batch_mates(notify: Notify) -> None:
    """Sent in one batch: one number whose providers are both down (a retry), one the
    primary refuses (the secondary sends), one rejected for good. The retry is parked
    alone: the others keep their first round's calls and are never sent again."""
    retry_phone, failover_phone, rejected_phone = phone("0001"), phone("0000"), phone("0003")
    retry, failover, rejected = key("retry"), key("failover"), key("rejected")
    await notify.sms(retry_phone, retry, text="batch retry")
    await notify.sms(failover_phone, failover, text="batch failover")
    await notify.sms(rejected_phone, rejected, text="batch rejected")
    await notify.producer.flush()

    sent = await notify.wait_status(failover, "sent")
    assert sent["attempts"] == 1
    calls = await notify.pool.fetch(
        "SELECT attempt, provider, accepted FROM sms_provider_calls WHERE sms_id = $1 ORDER BY id",
        sent["id"],
    )
    assert [(c["attempt"], c["provider"], c["accepted"]) for c in calls] == [
        (1, PRIMARY, False),
        (1, SECONDARY, True),
    ]
    given_up = await notify.wait_status(rejected, "failed")
    assert given_up["attempts"] == 1
    asked = await notify.pool.fetch(
        "SELECT provider, calls FROM sandbox_sms_calls WHERE message_id = $1",
        f"kefu-sms-{given_up['id']}",
    )
    assert asked and all(r["calls"] == 1 for r in asked), [dict(r) for r in asked]
    await asyncio.sleep(1.0)  # the parked retry runs meanwhile: nothing of the others again
    assert (await notify.sms_row(failover))["attempts"] == 1  # type: ignore[index]
    assert len(await notify.ledger(failover_phone)) == 1
