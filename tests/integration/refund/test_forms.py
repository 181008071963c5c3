"""Refund forms on the real database and broker: the whole chain, send-back, payout."""

from __future__ import annotations

import pytest

from tests.integration.refund.conftest import CHAIN, Refund

pytestmark = pytest.mark.integration


async def test_a_form_goes_through_every_step_is_paid_and_everyone_is_told(refund: Refund) -> None:
    form = await refund.file(amount_cents=12345, paid_cents=20000)
    form_id = form["form_id"]
    assert form["state"] == "awaiting_lead_check"
    assert {d["step"] for d in form["deadlines"]} == {"filing", "submission_to_finance"}
    await refund.through_finance(form_id)
    done = await refund.wait_state(form_id, "completed")
    steps = [(s["step"], s["executor"]) for s in done["steps"]]
    assert steps == [
        ("filed", "agent"),
        ("lead_check", "lead"),
        ("tech_verification", "tech"),
        ("finance_submission", "lead2"),
        ("cashier_check", "cashier"),
        ("accountant_review", "accountant"),
        ("director_approval", "director"),
        ("paid", "system"),
        ("agent_told", "system"),
        ("customer_told", "system"),
    ]
    assert done["tech_finding"] == "tech-verification ok"
    assert done["payout"]["status"] == "paid" and done["payout_reference"]
    assert len(await refund.sandbox_payouts(f"form-{form_id}")) == 1
    sms = await refund.seen.wait(
        "notify.sms.requested.v1", dedupe_key=f"refund-form-{form_id}-paid-customer"
    )
    assert sms[0]["params"] == {"order_no": form["order_no"], "amount": "123.45"}
    assert sms[0]["phone"] == form["phone"]
    told = await refund.seen.wait(
        "notify.inapp.requested.v1", dedupe_key=f"refund-form-{form_id}-paid-agent"
    )
    assert told[0]["recipient"] == "agent" and told[0]["recipient_kind"] == "staff"
    deadlines = {d["step"]: d for d in done["deadlines"]}
    assert deadlines["finance"]["met_at"] and not deadlines["finance"]["breached_at"]


async def test_every_forbidden_move_is_refused_and_changes_nothing(refund: Refund) -> None:
    form = await refund.file(who="lead")  # a duty lead may file; then not check it
    form_id = form["form_id"]
    before = await refund.form(form_id)
    refusals = [
        ("lead-check", "tech", 403, "role_required"),
        ("tech-verification", "tech", 409, "wrong_step"),
        ("director-approval", "director", 409, "wrong_step"),
        ("lead-check", "lead", 403, "own_form"),
    ]
    for path, who, status, code in refusals:
        answer = await refund.step(form_id, path, who, status=status)
        assert answer["code"] == code, (path, who, answer)
    assert await refund.form(form_id) == before
    await refund.step(form_id, "lead-check", "lead2")
    await refund.step(form_id, "tech-verification", "tech")
    checked = await refund.form(form_id)
    answer = await refund.step(form_id, "finance-submission", "lead2", status=403)
    assert answer["code"] == "same_person_twice"
    answer = await refund.step(form_id, "lead-check", "lead2", status=409)
    assert answer["code"] == "already_decided"
    answer = await refund.step(form_id, "tech-verification", "tech", status=409)
    assert answer["code"] == "already_decided"
    assert await refund.form(form_id) == checked


async def test_over_refunds_and_a_second_form_for_one_order_are_refused(refund: Refund) -> None:
    answer = await refund.file(amount_cents=5001, paid_cents=5000, status=409)
    assert answer["code"] == "over_refund"
    form = await refund.file()
    again = await refund.file(order_no=form["order_no"], status=409)
    assert again["code"] == "form_exists"
    count = await refund.pool.fetchval(
        "SELECT count(*) FROM refund_forms WHERE order_no = $1", form["order_no"]
    )
    assert count == 1


async def test_finance_sends_back_and_the_corrected_form_goes_through_again(
    refund: Refund,
) -> None:
    form = await refund.file(amount_cents=3000, paid_cents=3000)
    form_id = form["form_id"]
    for path, who in (("lead-check", "lead"), ("tech-verification", "tech")):
        await refund.step(form_id, path, who)
    await refund.step(form_id, "finance-submission", "lead2")
    await refund.step(form_id, "cashier-check", "cashier")
    back = await refund.step(
        form_id, "accountant-review", "accountant", decision="send_back", opinion="银行写错"
    )
    assert back["state"] == "sent_back" and back["sent_back_reason"] == "银行写错"
    told = await refund.seen.wait(
        "notify.inapp.requested.v1", dedupe_key=f"refund-form-{form_id}-sent-back-1"
    )
    assert told[0]["recipient"] == "agent" and told[0]["params"]["reason"] == "银行写错"
    answer = await refund.call(
        "POST", f"/refunds/forms/{form_id}/resubmit", "agent", {"amount_cents": 3001}, 409
    )
    assert answer["code"] == "over_refund"
    again = await refund.call(
        "POST",
        f"/refunds/forms/{form_id}/resubmit",
        "agent",
        {"bank": "建设银行", "note": "已改为建设银行"},
    )
    assert again["state"] == "awaiting_lead_check" and again["round"] == 2
    assert again["bank"] == "建设银行"
    await refund.through_finance(form_id)
    done = await refund.wait_state(form_id, "completed")
    rounds = [(s["round"], s["step"], s["decision"]) for s in done["steps"]]
    assert (1, "accountant_review", "sent_back") in rounds
    assert (2, "resubmitted", "done") in rounds and (2, "director_approval", "approved") in rounds
    assert len(await refund.sandbox_payouts(f"form-{form_id}")) == 1


async def test_a_form_finance_refuses_for_good_is_closed_and_both_are_told(
    refund: Refund,
) -> None:
    form = await refund.file(customer_name="赵女士")
    form_id = form["form_id"]
    for path, who in CHAIN[:4]:
        await refund.step(form_id, path, who)
    await refund.step(form_id, "accountant-review", "accountant", "send_back", "款项未到账")
    close = f"/refunds/forms/{form_id}/close"
    denied = await refund.call("POST", close, "agent", {"reason": "不予处理"}, 403)
    assert denied["code"] == "role_required"
    blank = await refund.call("POST", close, "lead", {"reason": " "}, 422)
    assert blank["code"] == "reason_required"
    assert (await refund.form(form_id))["state"] == "sent_back"
    closed = await refund.call("POST", close, "lead", {"reason": "经核实款项未到账，不予处理"})
    assert closed["state"] == "closed" and closed["closed_by"] == "lead"
    assert closed["closed_reason"] == "经核实款项未到账，不予处理"
    assert [s["step"] for s in closed["steps"][-3:]] == ["closed", "agent_told", "customer_told"]
    agent = await refund.seen.wait(
        "notify.inapp.requested.v1", dedupe_key=f"refund-form-{form_id}-closed-agent"
    )
    assert agent[0]["recipient"] == "agent" and agent[0]["template_id"] == "refund_form_closed"
    assert agent[0]["params"]["reason"] == "经核实款项未到账，不予处理"
    sms = await refund.seen.wait(
        "notify.sms.requested.v1", dedupe_key=f"refund-form-{form_id}-closed-customer"
    )
    assert sms[0]["phone"] == form["phone"] and sms[0]["template_id"] == "refund_refused"
    # final: nothing more happens to it
    again = await refund.call("POST", close, "cashier", {"reason": "again"}, 409)
    assert again["code"] == "wrong_step"
    resubmit = await refund.call(
        "POST", f"/refunds/forms/{form_id}/resubmit", "agent", {"note": "x"}, 409
    )
    assert resubmit["code"] == "wrong_step"
    step = await refund.step(form_id, "lead-check", "lead2", status=409)
    assert step["code"] == "wrong_step"
    closed_forms = await refund.get(
        "/refunds/forms", "agent", state="closed", customer_name="赵女士"
    )
    assert form_id in {f["form_id"] for f in closed_forms["items"]}


async def test_only_a_sent_back_form_is_closed(refund: Refund) -> None:
    form = await refund.file()
    answer = await refund.call(
        "POST", f"/refunds/forms/{form['form_id']}/close", "lead", {"reason": "r"}, 409
    )
    assert answer["code"] == "wrong_step"
    assert (await refund.form(form["form_id"]))["state"] == "awaiting_lead_check"
