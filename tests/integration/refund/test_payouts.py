"""Payouts: paid once per form however the provider answers, retried, then flagged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from services.refund.adapters.payment import PayoutResult, SandboxPayments
from tests.infra import Infra
from tests.integration.refund.conftest import Refund, refund_settings, running_refund

pytestmark = pytest.mark.integration


async def test_a_payout_failing_once_is_retried_and_paid_once(refund: Refund) -> None:
    form = await refund.file(amount_cents=4998, paid_cents=4998)  # .98: the first try fails
    await refund.through_finance(form["form_id"])
    done = await refund.wait_state(form["form_id"], "completed")
    assert done["payout"]["attempts"] == 2
    attempts = await refund.pool.fetch(
        "SELECT paid FROM sandbox_payment.payout_attempts WHERE payout_id = $1 ORDER BY id",
        f"form-{form['form_id']}",
    )
    assert [a["paid"] for a in attempts] == [False, True]
    assert len(await refund.sandbox_payouts(f"form-{form['form_id']}")) == 1


async def test_a_payout_that_keeps_failing_is_flagged_and_a_cashier_retries(
    refund: Refund,
) -> None:
    form = await refund.file(amount_cents=4999, paid_cents=4999)  # .99: fails every time
    form_id = form["form_id"]
    await refund.through_finance(form_id)
    failed = await refund.wait_state(form_id, "payout_failed")
    assert failed["payout"]["status"] == "failed" and failed["payout"]["attempts"] == 3
    attention = await refund.call("GET", "/refunds/payouts/attention", "cashier")
    assert f"form-{form_id}" in {a["payout_id"] for a in attention["items"]}
    answer = await refund.call(
        "POST", f"/refunds/forms/{form_id}/payout-retry", "agent", {"note": "x"}, 403
    )
    assert answer["code"] == "role_required"
    again = await refund.call(
        "POST", f"/refunds/forms/{form_id}/payout-retry", "cashier", {"note": "已核对账户"}
    )
    assert again["state"] in ("paying", "payout_failed")
    await refund.wait_state(form_id, "payout_failed")
    assert await refund.sandbox_payouts(f"form-{form_id}") == []


class AnswerLost:
    """The provider pays, but the answer never reaches us (a timeout, a crash): twice."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.lost = 0

    async def pay(self, payout_id: str, *, amount_cents: int, account: str) -> PayoutResult:
        platform: Any = self.app.state.platform
        sandbox = SandboxPayments(platform.pool, platform.settings)
        result = await sandbox.pay(payout_id, amount_cents=amount_cents, account=account)
        if self.lost < 2:
            self.lost += 1
            raise TimeoutError("the answer was lost")
        return result


@pytest.fixture(scope="module")
async def lossy(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refund]:
    settings = refund_settings(infra, tmp_path_factory.mktemp("lossy"))
    async with running_refund(settings) as running:
        running.app.state.deps.payments = AnswerLost(running.app)
        yield running


async def test_a_lost_answer_is_asked_again_and_the_money_moves_once(lossy: Refund) -> None:
    form = await lossy.file(amount_cents=7000, paid_cents=7000)
    await lossy.through_finance(form["form_id"])
    done = await lossy.wait_state(form["form_id"], "completed")
    assert done["payout"]["attempts"] == 3
    paid = await lossy.sandbox_payouts(f"form-{form['form_id']}")
    assert len(paid) == 1 and paid[0]["reference"] == done["payout_reference"]
    # told once each, although the payout was asked three times
    key = f"refund-form-{form['form_id']}-paid-customer"
    await lossy.seen.wait("notify.sms.requested.v1", dedupe_key=key)
    assert len(lossy.seen.of("notify.sms.requested.v1", dedupe_key=key)) == 1
