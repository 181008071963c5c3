"""Above KEFU_REFUND_SECOND_APPROVAL_ABOVE_CENTS (10,000 yuan by default) a second finance
director approves after the first; nothing is paid before."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.refund.conftest import Refund

pytestmark = pytest.mark.integration
LARGE = 1_500_000  # 15,000 yuan


async def test_a_large_refund_waits_for_a_second_director_then_pays_once(refund: Refund) -> None:
    assert refund.settings.refund_second_approval_above_cents == 1_000_000
    form = await refund.file(amount_cents=LARGE, paid_cents=LARGE)
    form_id = form["form_id"]
    approved = await refund.through_finance(form_id)
    assert approved["state"] == "awaiting_second_approval"
    assert approved["payout"] is None and approved["finance_approved_at"] is None
    await asyncio.sleep(0.3)
    assert await refund.sandbox_payouts(f"form-{form_id}") == []
    same = await refund.step(form_id, "second-approval", "director", status=403)
    assert same["code"] == "same_person_twice"
    wrong = await refund.step(form_id, "second-approval", "accountant", status=403)
    assert wrong["code"] == "role_required"
    again = await refund.step(form_id, "director-approval", "director2", status=409)
    assert again["code"] == "already_decided"
    assert (await refund.form(form_id))["state"] == "awaiting_second_approval"
    second = await refund.step(form_id, "second-approval", "director2", opinion="大额复核同意")
    assert second["state"] == "paying" and second["finance_approved_at"] is not None
    steps = [(s["step"], s["executor"]) for s in second["steps"][-2:]]
    assert steps == [("director_approval", "director"), ("second_approval", "director2")]
    await refund.wait_state(form_id, "completed")
    assert len(await refund.sandbox_payouts(f"form-{form_id}")) == 1


async def test_a_refund_at_the_threshold_needs_no_second_approval(refund: Refund) -> None:
    form = await refund.file(amount_cents=1_000_000, paid_cents=1_000_000)
    approved = await refund.through_finance(form["form_id"])
    assert approved["state"] == "paying"
