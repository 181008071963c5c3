"""Refunds requested by the rental service: once per request, approved under the window
and caps (also under concurrent approvals), paid, answered once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.infra import eventually
from tests.integration.refund.conftest import Refund

pytestmark = pytest.mark.integration


async def test_a_request_is_opened_once_approved_paid_and_answered_once(refund: Refund) -> None:
    await refund.open_window()
    ce_id = str(uuid.uuid4())
    request = await refund.request_refund(ce_id=ce_id)
    await refund.request_refund(ce_id=ce_id, **{k: request[k] for k in ("request_id", "user_id")})
    await refund.request_refund(**{k: request[k] for k in ("request_id", "user_id")})
    row = await refund.requested(request["request_id"])
    await asyncio.sleep(0.5)
    count = await refund.pool.fetchval(
        "SELECT count(*) FROM requested_refunds WHERE request_id = $1", request["request_id"]
    )
    assert count == 1 and row["state"] == "awaiting_approval"
    path = f"/refunds/requested/{row['refund_id']}"
    answer = await refund.call("POST", f"{path}/approve", "ops", {"amount_cents": 19800}, 409)
    assert answer["code"] == "amount_mismatch"
    answer = await refund.call("POST", f"{path}/approve", "cashier", {"amount_cents": 19900}, 403)
    assert answer["code"] == "role_required"
    assert (await refund.call("GET", path, "ops"))["state"] == "awaiting_approval"
    approved = await refund.call("POST", f"{path}/approve", "ops", {"amount_cents": 19900})
    assert approved["decided_by"] == "ops"
    answer = await refund.call("POST", f"{path}/approve", "ops2", {"amount_cents": 19900}, 409)
    assert answer["code"] == "already_decided"
    done = await refund.seen.wait("refund.completed.v1", request_id=request["request_id"])
    assert done[0]["amount_cents"] == 19900 and done[0]["approved_by"] == "ops"
    sms = await refund.seen.wait(
        "notify.sms.requested.v1", dedupe_key=f"requested-refund-{row['refund_id']}-paid"
    )
    assert sms[0]["template_id"] == "deposit_refunded" and sms[0]["params"]["amount"] == "199.00"
    assert len(await refund.sandbox_payouts(f"requested-{row['refund_id']}")) == 1
    await asyncio.sleep(0.3)
    assert len(refund.seen.of("refund.completed.v1", request_id=request["request_id"])) == 1


async def test_a_supervisor_rejects_and_nobody_approves_their_own_request(refund: Refund) -> None:
    await refund.open_window()
    request = await refund.request_refund(requested_by="ops", kind="stored_value")
    row = await refund.requested(request["request_id"])
    path = f"/refunds/requested/{row['refund_id']}"
    answer = await refund.call("POST", f"{path}/approve", "ops", {"amount_cents": 19900}, 403)
    assert answer["code"] == "own_form"
    await refund.call("POST", f"{path}/reject", "ops2", {"detail": "押金已抵扣欠费"})
    rejected = await refund.seen.wait("refund.rejected.v1", request_id=request["request_id"])
    assert rejected[0]["reason"] == "rejected_by_supervisor"
    assert rejected[0]["rejected_by"] == "ops2" and rejected[0]["kind"] == "stored_value"


async def test_the_daily_caps_hold_under_concurrent_approvals(refund: Refund) -> None:
    policy = await refund.call("GET", "/refunds/policy", "ops")
    await refund.open_window(count_cap=policy["approved_today_count"] + 3)
    requests = [await refund.request_refund(amount_cents=1000) for _ in range(6)]
    rows = [await refund.requested(r["request_id"]) for r in requests]

    async def approve(refund_id: str) -> int:
        response = await refund.http.post(
            f"/refunds/requested/{refund_id}/approve",
            json={"amount_cents": 1000},
            headers={"X-Kefu-Actor": "ops", "X-Kefu-Roles": "ops_supervisor"},
        )
        assert response.status_code in (200, 409), response.text
        if response.status_code == 409:
            assert response.json()["code"] == "cap_exceeded"
        return response.status_code

    statuses = await asyncio.gather(*(approve(r["refund_id"]) for r in rows))
    assert sorted(statuses) == [200, 200, 200, 409, 409, 409]
    after = await refund.call("GET", "/refunds/policy", "ops")
    assert after["approved_today_count"] == policy["approved_today_count"] + 3
    # the amount cap: room for exactly one more of 1000 cents
    await refund.open_window(amount_cap=after["approved_today_cents"] + 1500)
    waiting = [r for r, s in zip(rows, statuses, strict=True) if s == 409]
    statuses = await asyncio.gather(*(approve(r["refund_id"]) for r in waiting))
    assert sorted(statuses) == [200, 409, 409]


async def test_approvals_outside_the_daily_window_are_refused(refund: Refund) -> None:
    await refund.call(
        "PUT",
        "/refunds/policy",
        "ops",
        {
            "window_start": "00:00:00",
            "window_end": "00:00:01",
            "daily_amount_cap_cents": 10**9,
            "daily_count_cap": 10**6,
        },
    )
    request = await refund.request_refund()
    row = await refund.requested(request["request_id"])
    answer = await refund.call(
        "POST",
        f"/refunds/requested/{row['refund_id']}/approve",
        "ops",
        {"amount_cents": 19900},
        409,
    )
    assert answer["code"] == "outside_window"
    answer = await refund.call(
        "PUT",
        "/refunds/policy",
        "cashier",
        {
            "window_start": "09:00:00",
            "window_end": "18:00:00",
            "daily_amount_cap_cents": 1,
            "daily_count_cap": 1,
        },
        403,
    )
    assert answer["code"] == "role_required"


async def test_conflicting_and_poison_requests_go_to_the_dlq(refund: Refund) -> None:
    request = await refund.request_refund()
    await refund.requested(request["request_id"])
    await refund.request_refund(request_id=request["request_id"], amount_cents=50000)
    await refund.publish("refund.requested.v1", b'{"request_id": "x"}', key="poison")
    dlq = "refund.requested.v1.dlq"

    async def both() -> bool:
        return len(refund.seen.records[dlq]) >= 2

    await eventually(both, what="two dead letters")
    reasons = {h["kefu_dlq_reason"] for _, h in refund.seen.records[dlq]}
    assert {"request_conflict", "invalid_payload"} <= reasons
    row = await refund.requested(request["request_id"])
    assert row["amount_cents"] == 19900


async def test_a_payout_that_cannot_be_made_is_given_up_and_the_caps_get_it_back(
    refund: Refund,
) -> None:
    await refund.open_window()
    request = await refund.request_refund(amount_cents=29999)  # .99: every payout fails
    row = await refund.requested(request["request_id"])
    path = f"/refunds/requested/{row['refund_id']}"
    before = await refund.call("GET", "/refunds/policy", "ops")
    await refund.call("POST", f"{path}/approve", "ops", {"amount_cents": 29999})

    async def failed() -> dict[str, object] | None:
        body: dict[str, object] = await refund.call("GET", path, "ops")
        return body if body["state"] == "payout_failed" else None

    await eventually(failed, what="payout_failed")
    again = await refund.call("POST", f"{path}/payout-retry", "ops2")
    assert again["state"] in ("paying", "payout_failed")
    await eventually(failed, what="payout_failed again")
    answer = await refund.call("POST", f"{path}/give-up", "ops2", {"note": " "}, 422)
    assert answer["code"] == "reason_required"
    gone = await refund.call("POST", f"{path}/give-up", "ops2", {"note": "账户已注销"})
    assert gone["state"] == "rejected" and gone["rejection"] == "payout_failed"
    told = await refund.seen.wait("refund.rejected.v1", request_id=request["request_id"])
    assert told[0]["reason"] == "payout_failed"
    after = await refund.call("GET", "/refunds/policy", "ops")
    assert after["approved_today_cents"] == before["approved_today_cents"]
    assert await refund.sandbox_payouts(f"requested-{row['refund_id']}") == []


async def test_a_given_up_payout_leaves_the_attention_list_and_is_never_tried_again(
    refund: Refund,
) -> None:
    await refund.open_window()
    request = await refund.request_refund(amount_cents=39999)  # .99: every payout fails
    row = await refund.requested(request["request_id"])
    path = f"/refunds/requested/{row['refund_id']}"
    payout = f"requested-{row['refund_id']}"
    await refund.call("POST", f"{path}/approve", "ops", {"amount_cents": 39999})

    async def attention() -> set[str]:
        page = await refund.get("/refunds/payouts/attention", "ops", kind="requested", limit=200)
        return {p["payout_id"] for p in page["items"]}

    async def listed() -> bool:
        return payout in await attention()

    await eventually(listed, what="the failed payout needing attention")
    gone = await refund.call("POST", f"{path}/give-up", "ops2", {"note": "账户已注销"})
    assert gone["payout"]["status"] == "given_up"
    assert payout not in await attention()
    for action, body in (("payout-retry", None), ("give-up", {"note": "again"})):
        answer = await refund.call("POST", f"{path}/{action}", "ops2", body, 409)
        assert answer["code"] == "not_retryable"
    attempts = await refund.pool.fetchval(
        "SELECT count(*) FROM sandbox_payment.payout_attempts WHERE payout_id = $1", payout
    )
    await asyncio.sleep(0.5)  # the payout worker sweeps every few tenths of a second
    assert (
        await refund.pool.fetchval(
            "SELECT count(*) FROM sandbox_payment.payout_attempts WHERE payout_id = $1", payout
        )
        == attempts
    )


async def test_a_stored_value_refund_is_paid_to_the_account_the_form_recorded(
    refund: Refund,
) -> None:
    """Seed 004: a stored-value refund goes back to the original paying account; the
    payment provider's own ledger shows the money arriving there, and a deposit (no
    account recorded) still goes to the platform's channel for the user."""
    await refund.open_window()
    card = await refund.request_refund(
        request_id=f"rental-stored-value-{uuid.uuid4().hex[:10]}",
        kind="stored_value",
        amount_cents=8800,
        payout_method="bank_card",
        payout_account="6222020200112233",
        deducted_cents=1200,
    )
    deposit = await refund.request_refund()
    for request in (card, deposit):
        row = await refund.requested(request["request_id"])
        path = f"/refunds/requested/{row['refund_id']}"
        await refund.call("POST", f"{path}/approve", "ops", {"amount_cents": row["amount_cents"]})
        await refund.seen.wait("refund.completed.v1", request_id=request["request_id"])
        [paid] = await refund.sandbox_payouts(f"requested-{row['refund_id']}")
        request["paid_to"] = (paid["account"], paid["amount_cents"])
    assert card["paid_to"] == ("bank_card:6222020200112233", 8800)
    assert deposit["paid_to"] == (f"deposit:{deposit['user_id']}", 19900)
