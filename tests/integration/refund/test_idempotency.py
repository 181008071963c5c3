"""Idempotency-Keys kept by the refund service itself, without the gateway: a repeat
answers as the first did and moves no money again; a key used for another command is
refused and changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from shared.idempotency import scoped_key
from tests.integration.refund.conftest import CHAIN, Refund

pytestmark = pytest.mark.integration


def new_key() -> str:
    return f"k-{uuid.uuid4()}"


async def up_to_the_director(refund: Refund) -> str:
    form = await refund.file()
    for path, who in CHAIN[:-1]:
        await refund.step(form["form_id"], path, who)
    return str(form["form_id"])


async def approve(
    refund: Refund,
    form_id: str,
    key: str,
    status: int = 200,
    *,
    who: str = "director",
    decision: str = "approve",
    opinion: str = "同意",
) -> Any:
    """The finance director's decision, sent with ``key``, straight to the refund service."""
    body = {"decision": decision, "opinion": opinion}
    path = f"/refunds/forms/{form_id}/director-approval"
    return await refund.call("POST", path, who, body, status, key=key)


async def test_a_repeated_director_approval_answers_the_same_and_pays_once(
    refund: Refund,
) -> None:
    form_id = await up_to_the_director(refund)
    key = new_key()
    first = await approve(refund, form_id, key)
    assert first["state"] == "paying"
    await refund.wait_state(form_id, "completed")
    # the form moved on, the key still answers what the first approval answered
    assert await approve(refund, form_id, key) == first
    no_key = await refund.step(form_id, "director-approval", "director", status=409)
    assert no_key["code"] == "already_decided"
    payout_id = f"form-{form_id}"
    assert len(await refund.sandbox_payouts(payout_id)) == 1
    assert (
        await refund.pool.fetchval(
            "SELECT count(*) FROM sandbox_payment.payout_attempts WHERE payout_id = $1", payout_id
        )
        == 1
    )
    steps = await refund.pool.fetchval(
        "SELECT count(*) FROM refund_form_steps WHERE form_id = $1 AND step = 'director_approval'",
        form_id,
    )
    assert steps == 1


async def test_the_same_key_sent_twice_at_once_approves_once(refund: Refund) -> None:
    form_id = await up_to_the_director(refund)
    key = new_key()
    both = await asyncio.gather(approve(refund, form_id, key), approve(refund, form_id, key))
    assert both[0] == both[1]
    await refund.wait_state(form_id, "completed")
    assert len(await refund.sandbox_payouts(f"form-{form_id}")) == 1


async def test_a_key_reused_for_another_command_is_refused_and_changes_nothing(
    refund: Refund,
) -> None:
    first_form = await up_to_the_director(refund)
    other_form = await up_to_the_director(refund)
    key = new_key()
    await approve(refund, first_form, key)
    answer = await approve(refund, other_form, key, 422)
    assert answer["code"] == "idempotency_key_reused"
    send_back = await approve(
        refund, first_form, key, 422, decision="send_back", opinion="金额不符"
    )
    assert send_back["code"] == "idempotency_key_reused"
    assert (await refund.form(other_form))["state"] == "awaiting_director_approval"
    assert await refund.sandbox_payouts(f"form-{other_form}") == []


async def test_a_refused_command_keeps_no_claim_on_its_key(refund: Refund) -> None:
    form_id = await up_to_the_director(refund)
    key = new_key()
    wrong = await approve(refund, form_id, key, 403, who="cashier")
    assert wrong["code"] == "role_required"
    kept = scoped_key("cashier", "POST /refunds/forms/{form_id}/director-approval", key)
    assert await refund.pool.fetchval("SELECT count(*) FROM command_keys WHERE key = $1", kept) == 0
    # the same key then serves the right person
    assert (await approve(refund, form_id, key))["state"] == "paying"
    mine = scoped_key("director", "POST /refunds/forms/{form_id}/director-approval", key)
    assert await refund.pool.fetchval("SELECT count(*) FROM command_keys WHERE key = $1", mine) == 1


async def test_another_users_key_is_another_key_and_a_refusal_names_none_of_theirs(
    refund: Refund,
) -> None:
    first_form = await up_to_the_director(refund)
    other_form = await up_to_the_director(refund)
    key = new_key()
    await approve(refund, first_form, key, opinion="同意，工单 4711")
    # director2 happens to send the same key: a command of their own, not the first's
    # answer replayed, nor a refusal naming the first director's command and decision
    theirs = await approve(refund, other_form, key, who="director2")
    assert theirs["form_id"] == other_form and theirs["state"] == "paying"
    # reused by its owner for another command: refused, naming nothing of the first
    reused = await approve(refund, other_form, key, 422, decision="send_back", opinion="不符")
    assert reused["code"] == "idempotency_key_reused"
    for named in ("director", "approve", "4711", first_form, key):
        assert named not in reused["message"]


async def test_a_repeated_requested_approval_counts_once_against_the_caps(
    refund: Refund,
) -> None:
    await refund.open_window()
    request = await refund.request_refund(amount_cents=12300)
    row = await refund.requested(request["request_id"])
    path = f"/refunds/requested/{row['refund_id']}/approve"
    before = (await refund.call("GET", "/refunds/policy", "ops"))["approved_today_count"]
    key = new_key()
    first = await refund.call("POST", path, "ops", {"amount_cents": 12300}, key=key)
    again = await refund.call("POST", path, "ops", {"amount_cents": 12300}, key=key)
    assert again == first and first["state"] == "paying"
    after = (await refund.call("GET", "/refunds/policy", "ops"))["approved_today_count"]
    assert after == before + 1
    await refund.seen.wait("refund.completed.v1", request_id=request["request_id"])
    assert len(await refund.sandbox_payouts(f"requested-{row['refund_id']}")) == 1
    other = await refund.call("POST", path, "ops", {"amount_cents": 12299}, 422, key=key)
    assert other["code"] == "idempotency_key_reused"


async def test_a_repeated_rejection_tells_the_requester_once_and_another_is_refused(
    refund: Refund,
) -> None:
    request = await refund.request_refund(amount_cents=4500)
    row = await refund.requested(request["request_id"])
    path = f"/refunds/requested/{row['refund_id']}/reject"
    key = new_key()
    body = {"reason": "rejected_by_supervisor", "detail": "押金已退过"}
    first = await refund.call("POST", path, "ops", body, key=key)
    assert first["state"] == "rejected"
    assert await refund.call("POST", path, "ops", body, key=key) == first
    other = await refund.call("POST", path, "ops", {**body, "detail": "另一个原因"}, 422, key=key)
    assert other["code"] == "idempotency_key_reused"
    told = await refund.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE topic = 'refund.rejected.v1'"
        " AND convert_from(payload, 'UTF8')::jsonb ->> 'request_id' = $1",
        request["request_id"],
    )
    assert told == 1
