"""The refund form's approval chain (seed 003, DOMAIN.md 4) as a pure state machine.

    filed ─▶ lead_check ─▶ tech_verification ─▶ finance_submission ─▶ cashier_check
        ─▶ accountant_review ─▶ director_approval ─▶ paying ─▶ completed
                                   │                   │  (paid, agent told, customer told)
                                   │                   └▶ payout_failed ─retry─▶ paying
                                   └▶ second_approval (above the threshold) ─▶ paying
    any review step ──send back (reason)──▶ sent_back ──resubmit (corrected)──▶ lead_check
                                               └──close (reason)──▶ closed (final)

A form sent back for good (finance: 不予处理, the money never arrived) is closed with a
reason by a duty lead or finance; the customer and the filing agent are told.

A form above the second-approval threshold (seed 003's further approval for special
cases) waits after the finance director for another finance director: the rule "one
person, one step" makes it another person.

Rules, each a named refusal: a step is decided only when the form is at it
(``wrong_step``; an earlier one is ``already_decided``), only by its role
(``role_required``), never by whoever filed or resubmitted the form (``own_form``),
and one person decides at most one kind of step of a form, in any round
(``same_person_twice``: two duty leads check and submit). Each transition returns
the new form, the history rows and what the handler owes (timers, payout, notices);
it never mutates and does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial

from services.refund.domain.deadlines import Limit
from services.refund.domain.errors import (
    AlreadyDecided,
    NotRetryable,
    OwnForm,
    RoleRequired,
    SamePersonTwice,
    WrongStep,
)
from shared.actions import offered
from shared.errors import DomainError, ReasonRequired

SYSTEM = "system"
AGENT_ROLES = frozenset({"agent", "duty_lead"})
"""Who files, corrects and resubmits forms, and records waiting on the customer."""


class State(StrEnum):
    LEAD_CHECK = "awaiting_lead_check"
    TECH_VERIFICATION = "awaiting_tech_verification"
    FINANCE_SUBMISSION = "awaiting_finance_submission"
    CASHIER_CHECK = "awaiting_cashier_check"
    ACCOUNTANT_REVIEW = "awaiting_accountant_review"
    DIRECTOR_APPROVAL = "awaiting_director_approval"
    SECOND_APPROVAL = "awaiting_second_approval"
    PAYING = "paying"
    PAYOUT_FAILED = "payout_failed"
    COMPLETED = "completed"
    SENT_BACK = "sent_back"
    CLOSED = "closed"


class Step(StrEnum):
    LEAD_CHECK = "lead_check"
    TECH_VERIFICATION = "tech_verification"
    FINANCE_SUBMISSION = "finance_submission"
    CASHIER_CHECK = "cashier_check"
    ACCOUNTANT_REVIEW = "accountant_review"
    DIRECTOR_APPROVAL = "director_approval"
    SECOND_APPROVAL = "second_approval"


class Decision(StrEnum):
    APPROVE = "approve"
    SEND_BACK = "send_back"


@dataclass(frozen=True)
class ReviewStep:
    step: Step
    waits_in: State
    role: str
    then: State


CHAIN: tuple[ReviewStep, ...] = (
    ReviewStep(Step.LEAD_CHECK, State.LEAD_CHECK, "duty_lead", State.TECH_VERIFICATION),
    ReviewStep(Step.TECH_VERIFICATION, State.TECH_VERIFICATION, "tech", State.FINANCE_SUBMISSION),
    ReviewStep(Step.FINANCE_SUBMISSION, State.FINANCE_SUBMISSION, "duty_lead", State.CASHIER_CHECK),
    ReviewStep(Step.CASHIER_CHECK, State.CASHIER_CHECK, "cashier", State.ACCOUNTANT_REVIEW),
    ReviewStep(
        Step.ACCOUNTANT_REVIEW, State.ACCOUNTANT_REVIEW, "accountant", State.DIRECTOR_APPROVAL
    ),
    ReviewStep(Step.DIRECTOR_APPROVAL, State.DIRECTOR_APPROVAL, "finance_director", State.PAYING),
)
SECOND_APPROVAL = ReviewStep(
    Step.SECOND_APPROVAL, State.SECOND_APPROVAL, "finance_director", State.PAYING
)
"""Only for a form above the threshold, after the director (a different finance director)."""
ORDER = (*CHAIN, SECOND_APPROVAL)
BY_STEP = {s.step: s for s in ORDER}
BY_STATE = {s.waits_in: s for s in ORDER}
FINANCE_STATES = frozenset(
    {State.CASHIER_CHECK, State.ACCOUNTANT_REVIEW, State.DIRECTOR_APPROVAL, State.SECOND_APPROVAL}
)
PAUSABLE = frozenset(BY_STATE) | {State.SENT_BACK}
RUNS_UNDER: dict[State, Limit] = {
    State.LEAD_CHECK: Limit.SUBMISSION_TO_FINANCE,
    State.TECH_VERIFICATION: Limit.SUBMISSION_TO_FINANCE,
    State.FINANCE_SUBMISSION: Limit.SUBMISSION_TO_FINANCE,
    State.CASHIER_CHECK: Limit.FINANCE,
    State.ACCOUNTANT_REVIEW: Limit.FINANCE,
    State.DIRECTOR_APPROVAL: Limit.FINANCE,
    State.SECOND_APPROVAL: Limit.FINANCE,
    State.PAYOUT_FAILED: Limit.FINANCE,
}
"""The time limit a form waiting in each state runs under (its due time in a queue)."""
STEP_LABEL = {
    Step.LEAD_CHECK: "值班负责人审核",
    Step.TECH_VERIFICATION: "技术部核实",
    Step.FINANCE_SUBMISSION: "提交财务",
    Step.CASHIER_CHECK: "出纳核实",
    Step.ACCOUNTANT_REVIEW: "会计复核",
    Step.DIRECTOR_APPROVAL: "财务总监审批",
    Step.SECOND_APPROVAL: "大额复核",
}


def needs_second_approval(amount_cents: int, above_cents: int | None) -> bool:
    """A refund of more than ``above_cents`` needs a second finance director; None: never."""
    return above_cents is not None and amount_cents > above_cents


@dataclass(frozen=True)
class Record:
    """One history row: a step done, by whom, with which opinion."""

    step: str
    decision: str  # approved / sent_back / done
    executor: str
    executor_role: str
    opinion: str = ""


@dataclass(frozen=True)
class Form:
    form_id: str
    state: State
    round: int
    filed_by: str
    resubmitted_by: frozenset[str] = frozenset()
    deciders: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Per review step, who decided it (any round)."""
    waiting_customer: bool = False
    amount_cents: int = 0

    @property
    def authors(self) -> frozenset[str]:
        return self.resubmitted_by | {self.filed_by}

    def _did(self, step: Step, username: str) -> Form:
        deciders = dict(self.deciders)
        deciders[step.value] = deciders.get(step.value, frozenset()) | {username}
        return replace(self, deciders=deciders)


class Timer(StrEnum):
    START = "start"
    MEET = "meet"


@dataclass(frozen=True)
class Transition:
    before: Form
    after: Form
    records: tuple[Record, ...]
    timers: tuple[tuple[Limit, Timer], ...] = ()
    """Time limits that start (again) or stop with this transition."""
    pause: bool | None = None
    """True: every running limit pauses (waiting on the customer); False: they resume."""
    pay: bool = False
    """The finance director approved: the payout is owed now."""
    sent_back_by: Step | None = None
    completed: bool = False
    """Paid: the agent and the customer are told, in the same transaction."""
    closed: bool = False
    """Closed for good: the agent and the customer are told why, in the same transaction."""


def _pick_role(roles: frozenset[str], wanted: str) -> str:
    if wanted not in roles:
        raise RoleRequired(f"this step needs the role {wanted}")
    return wanted


def decide(
    form: Form,
    step: Step,
    decision: Decision,
    *,
    actor: str,
    roles: frozenset[str],
    opinion: str,
    second_approval_above: int | None = None,
) -> Transition:
    """A review step's decision: approve (the form moves on) or send back (with a reason).

    The director's approval pays, or waits for a second approval when the refund is
    above ``second_approval_above`` cents."""
    spec = BY_STEP[step]
    current = BY_STATE.get(form.state)
    if current is None or current.step is not step:
        _refuse_out_of_order(form, step)
    role = _pick_role(roles, spec.role)
    if actor in form.authors:
        raise OwnForm("you filed (or resubmitted) this form: another person decides its steps")
    for other, people in form.deciders.items():
        if other != step.value and actor in people:
            raise SamePersonTwice(
                f"you decided {other} of this form: one person decides one step of a form"
            )
    opinion = opinion.strip()
    decided = form._did(step, actor)
    if decision is Decision.SEND_BACK:
        if not opinion:
            raise ReasonRequired("sending a form back needs a reason")
        after = replace(decided, state=State.SENT_BACK)
        # the form leaves the step's limit; resubmitting starts the submission limit again
        running = Limit.FINANCE if form.state in FINANCE_STATES else Limit.SUBMISSION_TO_FINANCE
        timers: tuple[tuple[Limit, Timer], ...] = ((running, Timer.MEET),)
        return Transition(
            form,
            after,
            (Record(step.value, "sent_back", actor, role, opinion),),
            timers=timers,
            sent_back_by=step,
        )
    then = spec.then
    if step is Step.DIRECTOR_APPROVAL and needs_second_approval(
        form.amount_cents, second_approval_above
    ):
        then = State.SECOND_APPROVAL
    after = replace(decided, state=then)
    timers = ()
    if step is Step.FINANCE_SUBMISSION:
        timers = ((Limit.SUBMISSION_TO_FINANCE, Timer.MEET), (Limit.FINANCE, Timer.START))
    return Transition(
        form,
        after,
        (Record(step.value, "approved", actor, role, opinion),),
        timers=timers,
        pay=then is State.PAYING,
    )


def _refuse_out_of_order(form: Form, step: Step) -> None:
    order = [s.step for s in ORDER]
    current = BY_STATE.get(form.state)
    if form.state in (State.PAYING, State.PAYOUT_FAILED, State.COMPLETED):
        raise AlreadyDecided(f"the form is {form.state.value}: every step is decided")
    if form.state is State.CLOSED:
        raise WrongStep("the form is closed: nothing more is decided on it")
    if form.state is State.SENT_BACK:
        raise WrongStep("the form was sent back: the agent corrects and resubmits it first")
    assert current is not None
    if order.index(step) < order.index(current.step):
        raise AlreadyDecided(f"{step.value} is decided; the form waits for {current.step.value}")
    raise WrongStep(
        f"the form waits for {current.step.value}: steps are done in order, none skipped"
    )


def resubmit(form: Form, *, actor: str, roles: frozenset[str], note: str) -> Transition:
    """The agent corrected a sent-back form: a new round starts at the lead check."""
    if form.state is not State.SENT_BACK:
        raise WrongStep(f"only a sent-back form is resubmitted; this one is {form.state.value}")
    role = agent_role(roles)
    for step, people in form.deciders.items():
        if actor in people:
            raise SamePersonTwice(f"you decided {step} of this form: you may not resubmit it")
    after = replace(
        form,
        state=State.LEAD_CHECK,
        round=form.round + 1,
        resubmitted_by=form.resubmitted_by | {actor},
        waiting_customer=False,
    )
    return Transition(
        form,
        after,
        (Record("resubmitted", "done", actor, role, note.strip()),),
        timers=((Limit.SUBMISSION_TO_FINANCE, Timer.START),),
    )


def agent_role(roles: frozenset[str]) -> str:
    for role in ("agent", "duty_lead"):
        if role in roles:
            return role
    raise RoleRequired("this needs the role agent or duty_lead")


def wait_for_customer(
    form: Form, *, waiting: bool, actor: str, roles: frozenset[str], note: str
) -> Transition:
    """Waiting on the customer (a bank statement, a call back) pauses the time limits."""
    role = agent_role(roles)
    if form.state not in PAUSABLE:
        raise WrongStep(f"a {form.state.value} form does not wait on the customer")
    if form.waiting_customer == waiting:
        raise WrongStep("already waiting on the customer" if waiting else "not waiting")
    after = replace(form, waiting_customer=waiting)
    record = Record(
        "waiting_customer" if waiting else "customer_replied", "done", actor, role, note
    )
    return Transition(form, after, (record,), pause=waiting)


def paid(form: Form, *, reference: str) -> Transition:
    """The payout went through: paid, then the agent and the customer are told."""
    if form.state is not State.PAYING:
        raise WrongStep(f"a {form.state.value} form is not being paid")
    after = replace(form, state=State.COMPLETED, waiting_customer=False)
    return Transition(
        form,
        after,
        (
            Record("paid", "done", SYSTEM, SYSTEM, reference),
            Record("agent_told", "done", SYSTEM, SYSTEM, form.filed_by),
            Record("customer_told", "done", SYSTEM, SYSTEM, "sms"),
        ),
        timers=((Limit.FINANCE, Timer.MEET),),
        completed=True,
    )


def payout_failed(form: Form, *, detail: str) -> Transition:
    """Retries ran out: a person must look (the finance limit keeps running)."""
    if form.state is not State.PAYING:
        raise WrongStep(f"a {form.state.value} form is not being paid")
    after = replace(form, state=State.PAYOUT_FAILED)
    return Transition(form, after, (Record("payout_failed", "done", SYSTEM, SYSTEM, detail),))


PAYOUT_ROLES = frozenset({"cashier", "finance_director"})


def waiting_on(roles: frozenset[str]) -> dict[State, Limit | None]:
    """A caller's queue: the states whose next step one of ``roles`` decides (a review
    step, a failed payout to retry, a sent-back form to correct), each with the limit it
    runs under (none for a sent-back form)."""
    states = {s.waits_in for s in ORDER if s.role in roles}
    if roles & PAYOUT_ROLES:
        states.add(State.PAYOUT_FAILED)
    queue: dict[State, Limit | None] = {
        state: limit for state, limit in RUNS_UNDER.items() if state in states
    }
    if roles & AGENT_ROLES:
        queue[State.SENT_BACK] = None
    return queue


def retry_payout(form: Form, *, actor: str, roles: frozenset[str], note: str) -> Transition:
    if form.state is not State.PAYOUT_FAILED:
        raise NotRetryable(f"only a failed payout is retried; this form is {form.state.value}")
    role = next((r for r in sorted(PAYOUT_ROLES) if r in roles), None)
    if role is None:
        raise RoleRequired("retrying a payout needs the role cashier or finance_director")
    after = replace(form, state=State.PAYING)
    return Transition(form, after, (Record("payout_retried", "done", actor, role, note),), pay=True)


CLOSERS = ("duty_lead", "cashier", "accountant", "finance_director")
"""Who closes a sent-back form for good: the duty lead who received it back, or finance."""


def close(form: Form, *, actor: str, roles: frozenset[str], reason: str) -> Transition:
    """A sent-back form that will not be paid (不予处理) ends here, with its reason; the
    agent who filed it and the customer are told."""
    if form.state is not State.SENT_BACK:
        raise WrongStep(f"only a sent-back form is closed; this one is {form.state.value}")
    role = next((r for r in CLOSERS if r in roles), None)
    if role is None:
        raise RoleRequired(f"closing a form needs one of the roles {', '.join(CLOSERS)}")
    if not reason.strip():
        raise ReasonRequired("closing a form needs a reason (the customer is told it)")
    after = replace(form, state=State.CLOSED, waiting_customer=False)
    return Transition(
        form,
        after,
        (
            Record("closed", "done", actor, role, reason.strip()),
            Record("agent_told", "done", SYSTEM, SYSTEM, form.filed_by),
            Record("customer_told", "done", SYSTEM, SYSTEM, "sms"),
        ),
        closed=True,
    )


ACTIONS = (
    *(s.step.value for s in ORDER),
    "resubmit",
    "customer_wait",
    "payout_retry",
    "close",
)
"""Every action a form's detail may offer: the review steps (approve or send back), then
resubmission, waiting on the customer (or their answer), a payout retry and closing."""


def step_refusal(
    form: Form, *, actor: str, roles: frozenset[str]
) -> tuple[Step, DomainError] | None:
    """Why this caller may not decide the step the form waits at (say, they decided another
    step of it): the refusal its command would answer; None when offered or none waits."""
    spec = BY_STATE.get(form.state)
    if spec is None:
        return None
    try:
        decide(form, spec.step, Decision.APPROVE, actor=actor, roles=roles, opinion="-")
    except DomainError as refused:
        return spec.step, refused
    return None


def actions(form: Form, *, actor: str, roles: frozenset[str]) -> list[str]:
    """What this caller may do to this form now: each flag runs its command's own rule."""
    rules: dict[str, Callable[[], object]] = {
        s.step.value: partial(
            decide, form, s.step, Decision.APPROVE, actor=actor, roles=roles, opinion="-"
        )
        for s in ORDER
    }
    waiting = not form.waiting_customer
    rules |= {
        "resubmit": partial(resubmit, form, actor=actor, roles=roles, note=""),
        "customer_wait": partial(
            wait_for_customer, form, waiting=waiting, actor=actor, roles=roles, note=""
        ),
        "payout_retry": partial(retry_payout, form, actor=actor, roles=roles, note=""),
        "close": partial(close, form, actor=actor, roles=roles, reason="-"),
    }
    return offered(rules)
