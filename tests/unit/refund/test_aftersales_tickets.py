"""The service ticket's rules: the five outcomes, batches, the 48 hours, overdue stages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.refund.aftersales.domain import tickets as rules
from services.refund.aftersales.domain.errors import (
    BatchNotAllowed,
    InvalidTicket,
    TicketNotAwaitingProcessing,
    TicketNotAwaitingReceipt,
    TicketNotReviewable,
)
from services.refund.aftersales.domain.tickets import (
    NewTicket,
    ProcessingResult,
    Review,
    ReviewOutcome,
    ServiceType,
    Stage,
    Ticket,
    TicketStatus,
    TimeLimits,
)
from shared.errors import ReasonRequired

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LIMITS = TimeLimits()


def ticket(**changes: object) -> Ticket:
    base = Ticket(
        id=7,
        seller_id="S1",
        application_no="A1",
        status=TicketStatus.AWAITING_REVIEW,
        created_at=T0,
        review_due_at=T0 + timedelta(hours=48),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (ReviewOutcome.APPROVE_SHIPMENT, TicketStatus.AWAITING_RECEIPT),
        (ReviewOutcome.REJECT, TicketStatus.REJECTED),
        (ReviewOutcome.RESEND_WITHOUT_RETURN, TicketStatus.AWAITING_PROCESSING),
        (ReviewOutcome.AWAIT_CUSTOMER, TicketStatus.AWAITING_CUSTOMER),
        (ReviewOutcome.CUSTOMER_GAVE_UP, TicketStatus.CLOSED),
    ],
)
def test_each_of_the_five_outcomes_leads_where_the_seed_says(
    outcome: ReviewOutcome, status: TicketStatus
) -> None:
    now = T0 + timedelta(hours=1)
    after = rules.decide(ticket(), Review(outcome, "原因"), "rev.li", now, LIMITS)
    assert after.status is status
    assert (after.outcome, after.reviewed_by, after.reviewed_at) == (outcome, "rev.li", now)
    assert after.review_due_at is None  # reviewed: the 48-hour approval no longer applies
    if status is TicketStatus.AWAITING_RECEIPT:
        assert after.receipt_due_at == now + LIMITS.receipt_within
    if status is TicketStatus.AWAITING_PROCESSING:
        assert after.processing_due_at == now + LIMITS.processing_within


@pytest.mark.parametrize("outcome", [ReviewOutcome.REJECT, ReviewOutcome.AWAIT_CUSTOMER])
def test_rejecting_and_waiting_say_why(outcome: ReviewOutcome) -> None:
    with pytest.raises(ReasonRequired):
        rules.decide(ticket(), Review(outcome, "  "), "rev.li", T0, LIMITS)


def test_a_ticket_waiting_for_the_customer_is_reviewed_again() -> None:
    waiting = rules.decide(
        ticket(), Review(ReviewOutcome.AWAIT_CUSTOMER, "等客户补图"), "rev.li", T0, LIMITS
    )
    again = rules.decide(waiting, Review(ReviewOutcome.APPROVE_SHIPMENT), "rev.li", T0, LIMITS)
    assert again.status is TicketStatus.AWAITING_RECEIPT


@pytest.mark.parametrize(
    "status",
    [
        s
        for s in TicketStatus
        if s not in (TicketStatus.AWAITING_REVIEW, TicketStatus.AWAITING_CUSTOMER)
    ],
)
def test_a_reviewed_ticket_is_not_reviewed_again(status: TicketStatus) -> None:
    with pytest.raises(TicketNotReviewable):
        rules.decide(ticket(status=status), Review(ReviewOutcome.REJECT, "x"), "rev.li", T0, LIMITS)


def test_the_systems_approval_ships_and_says_it_was_the_system() -> None:
    # which tickets are due (48 hours unreviewed) the sweep's query decides:
    # tests/integration/refund/test_aftersales_tickets.py
    due = T0 + timedelta(hours=48)
    approved = rules.auto_approve(ticket(), due, LIMITS)
    assert (approved.status, approved.reviewed_at) == (TicketStatus.AWAITING_RECEIPT, due)
    assert approved.reviewed_by == rules.SYSTEM_ACTOR == "system:auto_approval"


def test_batches_take_the_seeds_three_outcomes_and_one_application_to_approve() -> None:
    a1, a2 = ticket(id=1), ticket(id=2, application_no="A2")
    rules.check_batch(ReviewOutcome.REJECT, [a1, a2])
    rules.check_batch(ReviewOutcome.CUSTOMER_GAVE_UP, [a1, a2])
    rules.check_batch(ReviewOutcome.APPROVE_SHIPMENT, [a1, ticket(id=3)])
    with pytest.raises(BatchNotAllowed, match="one application"):
        rules.check_batch(ReviewOutcome.APPROVE_SHIPMENT, [a1, a2])
    for one_by_one in (ReviewOutcome.RESEND_WITHOUT_RETURN, ReviewOutcome.AWAIT_CUSTOMER):
        with pytest.raises(BatchNotAllowed):
            rules.check_batch(one_by_one, [a1])


def test_receive_then_process() -> None:
    approved = rules.decide(ticket(), Review(ReviewOutcome.APPROVE_SHIPMENT), "r", T0, LIMITS)
    with pytest.raises(TicketNotAwaitingProcessing):
        rules.process(approved, ProcessingResult.REFUNDED)
    got = rules.receive(approved, T0 + timedelta(days=2), LIMITS)
    assert got.status is TicketStatus.AWAITING_PROCESSING
    assert got.processing_due_at == T0 + timedelta(days=2) + LIMITS.processing_within
    with pytest.raises(TicketNotAwaitingReceipt):
        rules.receive(got, T0, LIMITS)
    done = rules.process(got, ProcessingResult.REFUNDED)
    assert (
        done.status is TicketStatus.COMPLETED
        and done.processing_result is ProcessingResult.REFUNDED
    )


def test_a_resend_is_processed_as_resent() -> None:
    resend = rules.decide(ticket(), Review(ReviewOutcome.RESEND_WITHOUT_RETURN), "r", T0, LIMITS)
    with pytest.raises(InvalidTicket):
        rules.process(resend, ProcessingResult.REFUNDED)
    assert rules.process(resend, ProcessingResult.RESENT).status is TicketStatus.COMPLETED


def test_overdue_stages() -> None:
    t = ticket()
    assert rules.overdue_stage(t, T0 + timedelta(hours=23), LIMITS) is None
    assert rules.overdue_stage(t, T0 + timedelta(hours=24), LIMITS) is Stage.REVIEW
    receipt = ticket(status=TicketStatus.AWAITING_RECEIPT, receipt_due_at=T0)
    assert rules.overdue_stage(receipt, T0, LIMITS) is Stage.RECEIPT
    processing = ticket(
        status=TicketStatus.AWAITING_PROCESSING, processing_due_at=T0 + timedelta(hours=1)
    )
    assert rules.overdue_stage(processing, T0, LIMITS) is None
    assert rules.overdue_stage(processing, T0 + timedelta(hours=1), LIMITS) is Stage.PROCESSING
    assert (
        rules.overdue_stage(ticket(status=TicketStatus.CLOSED), T0 + timedelta(days=99), LIMITS)
        is None
    )
    assert rules.reminder_key(t, Stage.REVIEW) == "aftersales:ticket:7:overdue:review"


def test_a_new_ticket_is_checked() -> None:
    good = NewTicket(" S1 ", "A1", "O1", "C1", ServiceType.RETURN, " 屏幕碎了 ")
    assert rules.check_new(good).seller_id == "S1"
    assert rules.check_new(good).description == "屏幕碎了"
    with pytest.raises(InvalidTicket):
        rules.check_new(replace(good, description="  "))
    with pytest.raises(InvalidTicket):
        rules.check_new(replace(good, order_no=""))
