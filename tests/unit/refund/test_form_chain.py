"""The refund form's approval chain as a pure state machine: every move, every refusal."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.refund.domain import forms as chain
from services.refund.domain.deadlines import Limit
from services.refund.domain.forms import CHAIN, Decision, Form, State, Step, Timer
from shared.errors import DomainError

ROLE_OF = {s.step: s.role for s in chain.ORDER}
WHO = {
    Step.LEAD_CHECK: "lead",
    Step.TECH_VERIFICATION: "tech",
    Step.FINANCE_SUBMISSION: "lead2",
    Step.CASHIER_CHECK: "cashier",
    Step.ACCOUNTANT_REVIEW: "accountant",
    Step.DIRECTOR_APPROVAL: "director",
    Step.SECOND_APPROVAL: "director2",
}


def filed(by: str = "agent") -> Form:
    return Form("RF1", State.LEAD_CHECK, 1, by)


def decide(
    form: Form,
    step: Step,
    who: str | None = None,
    *,
    roles: frozenset[str] | None = None,
    decision: Decision = Decision.APPROVE,
    opinion: str = "ok",
) -> chain.Transition:
    return chain.decide(
        form,
        step,
        decision,
        actor=who or WHO[step],
        roles=roles if roles is not None else frozenset({ROLE_OF[step]}),
        opinion=opinion,
    )


def at(step: Step) -> Form:
    """A form waiting at ``step``, every step before it decided by its usual person."""
    form = filed()
    for s in CHAIN:
        if s.step is step:
            return form
        form = decide(form, s.step).after
    raise AssertionError(step)


def refused(code: str, move: object) -> None:
    assert isinstance(move, DomainError) and move.code == code, move


def attempt(fn: object, *args: object, **kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def test_the_chain_runs_in_order_and_the_director_owes_the_payout() -> None:
    form = filed()
    states = []
    for s in CHAIN:
        move = decide(form, s.step)
        assert move.records[0].decision == "approved" and move.records[0].executor == WHO[s.step]
        assert move.pay is (s.step is Step.DIRECTOR_APPROVAL)
        form = move.after
        states.append(form.state)
    assert states == [
        State.TECH_VERIFICATION,
        State.FINANCE_SUBMISSION,
        State.CASHIER_CHECK,
        State.ACCOUNTANT_REVIEW,
        State.DIRECTOR_APPROVAL,
        State.PAYING,
    ]
    paid = chain.paid(form, reference="PAY-1")
    assert paid.after.state is State.COMPLETED and paid.completed
    assert [r.step for r in paid.records] == ["paid", "agent_told", "customer_told"]
    assert (Limit.FINANCE, Timer.MEET) in paid.timers


def test_submission_to_finance_stops_its_limit_and_starts_finances() -> None:
    move = decide(at(Step.FINANCE_SUBMISSION), Step.FINANCE_SUBMISSION)
    assert move.timers == (
        (Limit.SUBMISSION_TO_FINANCE, Timer.MEET),
        (Limit.FINANCE, Timer.START),
    )


@pytest.mark.parametrize("step", [s.step for s in CHAIN[1:]])
def test_a_step_cannot_be_skipped(step: Step) -> None:
    refused("wrong_step", attempt(decide, filed(), step))


def test_a_decided_step_cannot_be_decided_again() -> None:
    form = at(Step.CASHIER_CHECK)
    refused("already_decided", attempt(decide, form, Step.LEAD_CHECK))
    refused("already_decided", attempt(decide, form, Step.TECH_VERIFICATION))


@pytest.mark.parametrize("step", [s.step for s in CHAIN])
def test_every_step_needs_its_role(step: Step) -> None:
    form = at(step)
    wrong = frozenset({"agent", "admin", "ops_supervisor"} | ({"tech"} - {ROLE_OF[step]}))
    refused("role_required", attempt(decide, form, step, roles=wrong))


@pytest.mark.parametrize("step", [s.step for s in CHAIN])
def test_nobody_decides_a_step_of_a_form_they_filed(step: Step) -> None:
    form = Form("RF1", at(step).state, 1, WHO[step], deciders=at(step).deciders)
    refused("own_form", attempt(decide, form, step))


def test_one_person_never_decides_two_steps_of_one_form() -> None:
    # the duty lead who checked it cannot also submit it to finance
    refused(
        "same_person_twice",
        attempt(decide, at(Step.FINANCE_SUBMISSION), Step.FINANCE_SUBMISSION, "lead"),
    )
    # a person holding both finance roles still decides only one finance step
    form = at(Step.ACCOUNTANT_REVIEW)
    both = frozenset({"cashier", "accountant"})
    refused(
        "same_person_twice", attempt(decide, form, Step.ACCOUNTANT_REVIEW, "cashier", roles=both)
    )


def test_the_detail_says_why_a_caller_may_not_decide_the_waiting_step() -> None:
    form = at(Step.FINANCE_SUBMISSION)
    lead = frozenset({"duty_lead"})
    # the lead who checked it: the refusal its command answers, with the step
    found = chain.step_refusal(form, actor="lead", roles=lead)
    assert found is not None and found[0] is Step.FINANCE_SUBMISSION
    refused("same_person_twice", found[1])
    # another duty lead may decide it: nothing to explain
    assert chain.step_refusal(form, actor="lead2", roles=lead) is None
    refused("role_required", chain.step_refusal(form, actor="tech", roles=frozenset({"tech"}))[1])  # type: ignore[index]
    # no review step waits on a sent-back form
    back = decide(form, Step.FINANCE_SUBMISSION, "lead2", decision=Decision.SEND_BACK).after
    assert chain.step_refusal(back, actor="lead", roles=lead) is None


def test_the_paying_or_completed_form_takes_no_decision() -> None:
    paying = decide(at(Step.DIRECTOR_APPROVAL), Step.DIRECTOR_APPROVAL).after
    refused("already_decided", attempt(decide, paying, Step.DIRECTOR_APPROVAL, "director2"))
    done = chain.paid(paying, reference="PAY-1").after
    refused("already_decided", attempt(decide, done, Step.CASHIER_CHECK, "cashier2"))
    refused("wrong_step", attempt(chain.paid, done, reference="PAY-2"))


@pytest.mark.parametrize("step", [s.step for s in CHAIN])
def test_any_step_sends_back_with_a_reason_and_the_agent_resubmits(step: Step) -> None:
    form = at(step)
    refused(
        "reason_required", attempt(decide, form, step, decision=Decision.SEND_BACK, opinion=" ")
    )
    back = decide(form, step, decision=Decision.SEND_BACK, opinion="金额与银行流水不符")
    assert back.after.state is State.SENT_BACK and back.sent_back_by is step
    assert back.records[0].decision == "sent_back"
    refused("wrong_step", attempt(decide, back.after, Step.LEAD_CHECK, "lead3"))
    again = chain.resubmit(back.after, actor="agent", roles=frozenset({"agent"}), note="已更正")
    assert again.after.state is State.LEAD_CHECK and again.after.round == 2
    assert (Limit.SUBMISSION_TO_FINANCE, Timer.START) in again.timers
    # the same people decide the same steps in round 2
    form = again.after
    for s in CHAIN:
        form = decide(form, s.step).after
    assert form.state is State.PAYING


def test_a_send_back_from_finance_stops_the_finance_limit() -> None:
    back = decide(
        at(Step.ACCOUNTANT_REVIEW), Step.ACCOUNTANT_REVIEW, decision=Decision.SEND_BACK, opinion="x"
    )
    assert back.timers == ((Limit.FINANCE, Timer.MEET),)
    back = decide(
        at(Step.TECH_VERIFICATION), Step.TECH_VERIFICATION, decision=Decision.SEND_BACK, opinion="x"
    )
    assert back.timers == ((Limit.SUBMISSION_TO_FINANCE, Timer.MEET),)


def test_resubmission_rules() -> None:
    refused(
        "wrong_step",
        attempt(chain.resubmit, filed(), actor="agent", roles=frozenset({"agent"}), note=""),
    )
    back = decide(
        at(Step.CASHIER_CHECK), Step.CASHIER_CHECK, decision=Decision.SEND_BACK, opinion="x"
    ).after
    refused(
        "role_required",
        attempt(chain.resubmit, back, actor="cashier", roles=frozenset({"cashier"}), note=""),
    )
    # a duty lead who checked it may not correct it and send it through again
    refused(
        "same_person_twice",
        attempt(chain.resubmit, back, actor="lead", roles=frozenset({"duty_lead"}), note=""),
    )
    # another agent resubmits (the next shift): then they cannot decide its steps either
    again = chain.resubmit(back, actor="agent2", roles=frozenset({"agent"}), note="").after
    refused(
        "own_form",
        attempt(decide, again, Step.LEAD_CHECK, "agent2", roles=frozenset({"duty_lead"})),
    )


def test_waiting_on_the_customer_pauses_and_resumes() -> None:
    roles = frozenset({"agent"})
    wait = chain.wait_for_customer(
        filed(), waiting=True, actor="agent", roles=roles, note="等客户银行流水"
    )
    assert wait.pause is True and wait.after.waiting_customer
    refused(
        "wrong_step",
        attempt(
            chain.wait_for_customer, wait.after, waiting=True, actor="agent", roles=roles, note=""
        ),
    )
    back = chain.wait_for_customer(wait.after, waiting=False, actor="agent", roles=roles, note="")
    assert back.pause is False and not back.after.waiting_customer
    refused(
        "role_required",
        attempt(
            chain.wait_for_customer,
            filed(),
            waiting=True,
            actor="t",
            roles=frozenset({"tech"}),
            note="",
        ),
    )
    paying = decide(at(Step.DIRECTOR_APPROVAL), Step.DIRECTOR_APPROVAL).after
    refused(
        "wrong_step",
        attempt(chain.wait_for_customer, paying, waiting=True, actor="agent", roles=roles, note=""),
    )


def test_a_failed_payout_waits_for_a_cashier_or_director_to_retry() -> None:
    paying = decide(at(Step.DIRECTOR_APPROVAL), Step.DIRECTOR_APPROVAL).after
    failed = chain.payout_failed(paying, detail="bank refused").after
    assert failed.state is State.PAYOUT_FAILED
    refused(
        "role_required",
        attempt(chain.retry_payout, failed, actor="agent", roles=frozenset({"agent"}), note=""),
    )
    retry = chain.retry_payout(
        failed, actor="cashier", roles=frozenset({"cashier"}), note="换卡重试"
    )
    assert retry.after.state is State.PAYING and retry.pay
    refused(
        "not_retryable",
        attempt(chain.retry_payout, paying, actor="cashier", roles=frozenset({"cashier"}), note=""),
    )


def director_approves(amount_cents: int, above: int | None) -> chain.Transition:
    """The director approves a form of ``amount_cents``, the threshold at ``above``."""
    return chain.decide(
        replace(at(Step.DIRECTOR_APPROVAL), amount_cents=amount_cents),
        Step.DIRECTOR_APPROVAL,
        Decision.APPROVE,
        actor="director",
        roles=frozenset({"finance_director"}),
        opinion="同意",
        second_approval_above=above,
    )


def test_above_the_threshold_a_second_finance_director_releases_the_money() -> None:
    first = director_approves(1_000_001, 1_000_000)
    assert first.after.state is State.SECOND_APPROVAL and not first.pay
    waiting = first.after
    refused("same_person_twice", attempt(decide, waiting, Step.SECOND_APPROVAL, "director"))
    refused(
        "role_required",
        attempt(decide, waiting, Step.SECOND_APPROVAL, "cfo", roles=frozenset({"accountant"})),
    )
    refused("already_decided", attempt(decide, waiting, Step.DIRECTOR_APPROVAL, "director2"))
    second = decide(waiting, Step.SECOND_APPROVAL, "director2")
    assert second.after.state is State.PAYING and second.pay
    assert second.records[0].step == "second_approval"
    assert second.records[0].executor_role == "finance_director"


def test_at_or_below_the_threshold_the_director_alone_pays() -> None:
    for amount, above in ((1_000_000, 1_000_000), (5_000_000, None)):
        move = director_approves(amount, above)
        assert move.after.state is State.PAYING and move.pay
    refused("wrong_step", attempt(decide, at(Step.DIRECTOR_APPROVAL), Step.SECOND_APPROVAL))
    paying = decide(at(Step.DIRECTOR_APPROVAL), Step.DIRECTOR_APPROVAL).after
    refused("already_decided", attempt(decide, paying, Step.SECOND_APPROVAL, "director2"))


def test_the_second_approval_sends_back_like_any_finance_step() -> None:
    waiting = director_approves(2_000_000, 1_000_000).after
    back = decide(
        waiting, Step.SECOND_APPROVAL, "director2", decision=Decision.SEND_BACK, opinion="核对金额"
    )
    assert back.after.state is State.SENT_BACK and back.sent_back_by is Step.SECOND_APPROVAL
    assert back.timers == ((Limit.FINANCE, Timer.MEET),)


def test_a_form_sent_back_for_good_is_closed_with_a_reason_and_stays_closed() -> None:
    back = decide(
        at(Step.CASHIER_CHECK),
        Step.CASHIER_CHECK,
        decision=Decision.SEND_BACK,
        opinion="款项未到账，不予处理",
    ).after
    lead = frozenset({"duty_lead"})
    refused(
        "role_required",
        attempt(chain.close, back, actor="agent", roles=frozenset({"agent"}), reason="x"),
    )
    refused("reason_required", attempt(chain.close, back, actor="lead", roles=lead, reason=" "))
    closed = chain.close(back, actor="lead", roles=lead, reason="款项未到账")
    assert closed.after.state is State.CLOSED and closed.closed and not closed.pay
    assert [r.step for r in closed.records] == ["closed", "agent_told", "customer_told"]
    assert (
        closed.records[0].opinion == "款项未到账" and closed.records[0].executor_role == "duty_lead"
    )
    for role in ("cashier", "accountant", "finance_director"):
        assert chain.close(back, actor=role, roles=frozenset({role}), reason="r").closed
    final = closed.after
    refused("wrong_step", attempt(chain.close, final, actor="lead", roles=lead, reason="again"))
    refused(
        "wrong_step",
        attempt(chain.resubmit, final, actor="agent", roles=frozenset({"agent"}), note=""),
    )
    refused("wrong_step", attempt(decide, final, Step.LEAD_CHECK, "lead3"))
    refused(
        "wrong_step",
        attempt(
            chain.wait_for_customer,
            final,
            waiting=True,
            actor="agent",
            roles=frozenset({"agent"}),
            note="",
        ),
    )
    # a form not sent back is not closed: it is decided on its step
    refused(
        "wrong_step",
        attempt(chain.close, at(Step.CASHIER_CHECK), actor="lead", roles=lead, reason="r"),
    )


def test_a_queue_holds_the_states_the_roles_decide_each_under_its_running_limit() -> None:
    assert chain.waiting_on(frozenset({"duty_lead"})) == {
        State.LEAD_CHECK: Limit.SUBMISSION_TO_FINANCE,
        State.FINANCE_SUBMISSION: Limit.SUBMISSION_TO_FINANCE,
        State.SENT_BACK: None,  # a duty lead has the agent's rights: corrects and resubmits
    }
    assert chain.waiting_on(frozenset({"cashier"})) == {
        State.CASHIER_CHECK: Limit.FINANCE,
        State.PAYOUT_FAILED: Limit.FINANCE,
    }
    director = chain.waiting_on(frozenset({"finance_director"}))
    assert set(director) == {State.DIRECTOR_APPROVAL, State.SECOND_APPROVAL, State.PAYOUT_FAILED}
    assert chain.waiting_on(frozenset({"agent"})) == {State.SENT_BACK: None}
    assert chain.waiting_on(frozenset({"tech"})) == {
        State.TECH_VERIFICATION: Limit.SUBMISSION_TO_FINANCE
    }


def test_the_actions_offered_are_exactly_the_commands_that_pass() -> None:
    """Each flag is its command's rule: try every action for every caller at every state."""
    people = {
        "agent": {"agent"},
        "lead": {"duty_lead"},
        "lead2": {"duty_lead"},
        "tech": {"tech"},
        "cashier": {"cashier"},
        "accountant": {"accountant"},
        "director": {"finance_director"},
    }
    forms = [at(s.step) for s in CHAIN]
    back = decide(
        at(Step.CASHIER_CHECK), Step.CASHIER_CHECK, decision=Decision.SEND_BACK, opinion="r"
    ).after
    failed = chain.payout_failed(
        decide(at(Step.DIRECTOR_APPROVAL), Step.DIRECTOR_APPROVAL).after, detail="x"
    ).after
    forms += [back, failed, replace(back, waiting_customer=True)]
    for form in forms:
        for who, roles in people.items():
            offered = chain.actions(form, actor=who, roles=frozenset(roles))
            for action in chain.ACTIONS:
                try:
                    _run(form, action, who, frozenset(roles))
                    passed = True
                except DomainError:
                    passed = False
                assert passed == (action in offered), (form.state, who, action)


def _run(form: Form, action: str, who: str, roles: frozenset[str]) -> None:
    if action == "resubmit":
        chain.resubmit(form, actor=who, roles=roles, note="")
    elif action == "customer_wait":
        chain.wait_for_customer(
            form, waiting=not form.waiting_customer, actor=who, roles=roles, note=""
        )
    elif action == "payout_retry":
        chain.retry_payout(form, actor=who, roles=roles, note="")
    elif action == "close":
        chain.close(form, actor=who, roles=roles, reason="r")
    else:
        chain.decide(form, Step(action), Decision.APPROVE, actor=who, roles=roles, opinion="ok")
