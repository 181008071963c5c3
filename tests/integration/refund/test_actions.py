"""Action flags say what the refund service will allow (issue 12, point 1): for every
caller and every state a form passes through, what is offered is accepted and what is
not offered is refused, changing nothing; the same for requested refunds and the
payouts needing attention."""

from __future__ import annotations

from typing import Any

import pytest

from services.refund.domain.forms import ACTIONS
from tests.infra import eventually
from tests.integration.refund.conftest import ROLES, Refund

pytestmark = pytest.mark.integration
PATH = {
    "lead_check": "lead-check",
    "tech_verification": "tech-verification",
    "finance_submission": "finance-submission",
    "cashier_check": "cashier-check",
    "accountant_review": "accountant-review",
    "director_approval": "director-approval",
    "second_approval": "second-approval",
    "resubmit": "resubmit",
    "customer_wait": "customer-wait",
    "payout_retry": "payout-retry",
    "close": "close",
}
REFUSED = (403, 409, 422)


def body(action: str, form: dict[str, Any]) -> dict[str, Any]:
    if action == "resubmit":
        return {"note": "已更正"}
    if action == "customer_wait":
        return {"waiting": not form["waiting_customer"], "note": "等客户回电"}
    if action == "close":
        return {"reason": "款项未到账，不予处理"}
    if action == "payout_retry":
        return {"note": ""}
    return {"decision": "approve", "opinion": "ok"}


async def act(refund: Refund, form: dict[str, Any], action: str, who: str) -> Any:
    return await refund.http.post(
        f"/refunds/forms/{form['form_id']}/{PATH[action]}",
        json=body(action, form),
        headers={"X-Kefu-Actor": who, "X-Kefu-Roles": ROLES[who]},
    )


async def offered(refund: Refund, form_id: str) -> dict[str, list[str]]:
    """Each caller's actions on the form, as its detail says (the list says the same)."""
    found = {}
    for who in ROLES:
        detail = await refund.call("GET", f"/refunds/forms/{form_id}", who)
        listed = await refund.get("/refunds/forms", who, order_no=detail["order_no"])
        assert listed["items"][0]["actions"] == detail["actions"], who
        found[who] = detail["actions"]
    return found


async def check_refusals(refund: Refund, form_id: str) -> dict[str, list[str]]:
    """Everything not offered to a caller is refused and changes nothing."""
    before = await refund.form(form_id)
    allowed = await offered(refund, form_id)
    for who, actions in allowed.items():
        for action in ACTIONS:
            if action in actions:
                continue
            answer = await act(refund, before, action, who)
            assert answer.status_code in REFUSED, (who, action, answer.text)
    for who in ROLES:
        # The reason the detail gives for a waiting step not offered is what its command answers.
        refusal = (await refund.call("GET", f"/refunds/forms/{form_id}", who))["step_refusal"]
        if refusal is None:
            continue
        assert refusal["step"] not in allowed[who], (who, refusal)
        answer = await act(refund, before, refusal["step"], who)
        assert answer.json()["code"] == refusal["code"], (who, refusal, answer.text)
    after = await refund.form(form_id)
    assert (after["state"], after["round"], len(after["steps"])) == (
        before["state"],
        before["round"],
        len(before["steps"]),
    )
    return allowed


async def do(refund: Refund, form_id: str, action: str, who: str, allowed: Any) -> Any:
    """An offered action is accepted."""
    assert action in allowed[who], (who, action, allowed[who])
    answer = await act(refund, await refund.form(form_id), action, who)
    assert answer.status_code == 200, (who, action, answer.text)
    return answer.json()


async def test_what_a_form_offers_is_accepted_and_what_it_does_not_is_refused(
    refund: Refund,
) -> None:
    form = await refund.file(amount_cents=4999, paid_cents=4999)  # .99: every payout fails
    form_id = form["form_id"]
    allowed = await check_refusals(refund, form_id)
    assert allowed["lead"] == ["lead_check", "customer_wait"] and allowed["tech"] == []
    assert allowed["agent"] == ["customer_wait"] and allowed["cashier"] == []
    await do(refund, form_id, "lead_check", "lead", allowed)
    allowed = await check_refusals(refund, form_id)
    await do(refund, form_id, "tech_verification", "tech", allowed)
    allowed = await check_refusals(refund, form_id)
    assert "finance_submission" not in allowed["lead"]  # it checked the form: another lead
    told = (await refund.call("GET", f"/refunds/forms/{form_id}", "lead"))["step_refusal"]
    assert told["step"] == "finance_submission" and told["code"] == "same_person_twice"
    assert (await refund.call("GET", f"/refunds/forms/{form_id}", "lead2"))["step_refusal"] is None
    await do(refund, form_id, "finance_submission", "lead2", allowed)
    allowed = await check_refusals(refund, form_id)
    assert allowed["cashier"] == ["cashier_check"]
    # the cashier sends it back: who may resubmit, close or wait on the customer
    back = await refund.step(form_id, "cashier-check", "cashier", "send_back", "银行与流水不符")
    assert back["state"] == "sent_back"
    allowed = await check_refusals(refund, form_id)
    assert allowed["agent"] == ["resubmit", "customer_wait"]
    assert allowed["lead"] == ["customer_wait", "close"]  # it decided a step: no resubmission
    assert allowed["accountant"] == ["close"] and allowed["tech"] == []
    await do(refund, form_id, "customer_wait", "agent2", allowed)
    allowed = await check_refusals(refund, form_id)
    await do(refund, form_id, "customer_wait", "agent", allowed)  # the customer answered
    allowed = await check_refusals(refund, form_id)
    await do(refund, form_id, "resubmit", "agent2", allowed)
    for action, who in (
        ("lead_check", "lead"),
        ("tech_verification", "tech"),
        ("finance_submission", "lead2"),
        ("cashier_check", "cashier"),
        ("accountant_review", "accountant"),
    ):
        allowed = await check_refusals(refund, form_id)
        await do(refund, form_id, action, who, allowed)
    allowed = await check_refusals(refund, form_id)
    assert allowed["director"] == ["director_approval"] and allowed["tech"] == []
    await do(refund, form_id, "director_approval", "director", allowed)
    await refund.wait_state(form_id, "payout_failed")
    allowed = await check_refusals(refund, form_id)
    assert allowed["cashier"] == allowed["director"] == ["payout_retry"]
    assert allowed["lead"] == [] and allowed["agent"] == [] and allowed["ops"] == []
    attention = await refund.get("/refunds/payouts/attention", "cashier", kind="form", limit=200)
    mine = [p for p in attention["items"] if p["subject_id"] == form_id]
    assert mine[0]["actions"] == ["payout_retry"]
    ops = await refund.get("/refunds/payouts/attention", "ops", kind="form", limit=200)
    assert [p["actions"] for p in ops["items"] if p["subject_id"] == form_id] == [[]]
    await do(refund, form_id, "payout_retry", "director", allowed)


async def test_what_a_requested_refund_offers_is_accepted_and_the_rest_refused(
    refund: Refund,
) -> None:
    request = await refund.request_refund(requested_by="ops", amount_cents=29999)  # .99
    row = await refund.requested(request["request_id"])
    path = f"/refunds/requested/{row['refund_id']}"
    await refund.open_window(count_cap=0)  # today's count cap is reached: no approval

    async def actions(who: str) -> list[str]:
        detail = await refund.call("GET", path, who)
        listed = await refund.get("/refunds/requested", who, request_id=request["request_id"])
        assert listed["items"][0]["actions"] == detail["actions"]
        return list(detail["actions"])

    assert await actions("ops2") == ["reject"]
    answer = await refund.call("POST", f"{path}/approve", "ops2", {"amount_cents": 29999}, 409)
    assert answer["code"] == "cap_exceeded"
    await refund.open_window()
    assert await actions("ops") == ["reject"]  # ops asked for it: another supervisor approves
    assert await actions("ops2") == ["approve", "reject"]
    assert await actions("cashier") == [] and await actions("agent") == []
    for who, action, sent in (
        ("ops", "approve", {"amount_cents": 29999}),
        ("cashier", "approve", {"amount_cents": 29999}),
        ("agent", "reject", {"detail": "x"}),
        ("ops2", "payout-retry", None),
        ("ops2", "give-up", {"note": "x"}),
    ):
        await refund.call("POST", f"{path}/{action}", who, sent, 403 if who != "ops2" else 409)
    approved = await refund.call("POST", f"{path}/approve", "ops2", {"amount_cents": 29999})
    assert approved["actions"] == []

    async def failed() -> bool:
        detail: dict[str, Any] = await refund.call("GET", path, "ops")
        return bool(detail["state"] == "payout_failed")

    await eventually(failed, what="payout_failed")
    assert await actions("ops") == ["payout_retry", "give_up"] and await actions("agent") == []
    attention = await refund.get("/refunds/payouts/attention", "ops", kind="requested", limit=200)
    mine = [p for p in attention["items"] if p["subject_id"] == row["refund_id"]]
    assert mine[0]["actions"] == ["payout_retry", "give_up"]
    cashier = await refund.get("/refunds/payouts/attention", "cashier", kind="requested")
    assert all(p["actions"] == [] for p in cashier["items"])
    await refund.call("POST", f"{path}/reject", "ops", {"detail": "x"}, 409)  # not offered
    gone = await refund.call("POST", f"{path}/give-up", "ops", {"note": "账户已注销"})
    assert gone["state"] == "rejected" and gone["actions"] == []
