"""A service ticket (服务单) from the customer's application to its end.

    awaiting_review ─┬─ approve_shipment ──────→ awaiting_receipt ─ receive ─→ awaiting_processing
        ↑   │        ├─ resend_without_return ─────────────────────────────────→ awaiting_processing
        │   │        ├─ reject ─────────────────→ rejected                         │ process
        │   │        ├─ customer_gave_up ───────→ closed                           ↓
        │   │        └─ await_customer ─────────→ awaiting_customer          completed
        │   └ 48 h unreviewed: approved by the system (超时48小时卖家未审核，系统会自动审核通过)
        └── awaiting_customer is reviewed again when the customer answers

Each stage has a due time; a ticket past it is overdue and its staff are reminded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from services.refund.aftersales.domain.errors import (
    BatchNotAllowed,
    InvalidTicket,
    TicketNotAwaitingProcessing,
    TicketNotAwaitingReceipt,
    TicketNotReviewable,
)
from shared.errors import DomainError, ReasonRequired

MAX_TEXT = 500
SYSTEM_ACTOR = "system:auto_approval"
"""Who approves a ticket nobody reviewed in time: recorded as the system, never a person."""


class TicketStatus(StrEnum):
    AWAITING_REVIEW = "awaiting_review"
    AWAITING_CUSTOMER = "awaiting_customer"
    AWAITING_RECEIPT = "awaiting_receipt"
    AWAITING_PROCESSING = "awaiting_processing"
    REJECTED = "rejected"
    CLOSED = "closed"
    COMPLETED = "completed"


class ReviewOutcome(StrEnum):
    """The five review results of the seed, in its order."""

    APPROVE_SHIPMENT = "approve_shipment"
    """同意客户发货: the customer sends the item back."""
    REJECT = "reject"
    """审核不通过."""
    RESEND_WITHOUT_RETURN = "resend_without_return"
    """不退货补发新品: a new item goes out, nothing comes back."""
    AWAIT_CUSTOMER = "await_customer"
    """待客户反馈."""
    CUSTOMER_GAVE_UP = "customer_gave_up"
    """客户放弃."""


BATCH_OUTCOMES = frozenset(
    {ReviewOutcome.APPROVE_SHIPMENT, ReviewOutcome.REJECT, ReviewOutcome.CUSTOMER_GAVE_UP}
)
"""The seed's batch review offers these three (批量审核 同意客户发货/审核不通过/客户放弃)."""
NEEDS_REASON = frozenset({ReviewOutcome.REJECT, ReviewOutcome.AWAIT_CUSTOMER})
REVIEWABLE = frozenset({TicketStatus.AWAITING_REVIEW, TicketStatus.AWAITING_CUSTOMER})


class ServiceType(StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"


class ProcessingResult(StrEnum):
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    REPAIRED = "repaired"
    RESENT = "resent"
    RETURNED_TO_CUSTOMER = "returned_to_customer"


class Stage(StrEnum):
    """What an overdue ticket is waiting for (超时待审核、待收货、待处理)."""

    REVIEW = "review"
    RECEIPT = "receipt"
    PROCESSING = "processing"


def breach_step(stage: Stage) -> str:
    """The step name of a missed time limit in ``kefu.sla.breaches``."""
    return f"aftersales_{stage.value}"


@dataclass(frozen=True)
class TimeLimits:
    auto_approve_after: timedelta = timedelta(hours=48)
    remind_review_after: timedelta = timedelta(hours=24)
    receipt_within: timedelta = timedelta(days=7)
    processing_within: timedelta = timedelta(hours=48)


@dataclass(frozen=True)
class NewTicket:
    seller_id: str
    application_no: str
    order_no: str
    customer_id: str
    service_type: ServiceType
    description: str


@dataclass(frozen=True)
class Ticket:
    id: int
    seller_id: str
    application_no: str
    status: TicketStatus
    created_at: datetime
    review_due_at: datetime | None
    receipt_due_at: datetime | None = None
    processing_due_at: datetime | None = None
    outcome: ReviewOutcome | None = None
    review_reason: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    processing_result: ProcessingResult | None = None


@dataclass(frozen=True)
class Review:
    outcome: ReviewOutcome
    reason: str | None = None


def check_new(ticket: NewTicket) -> NewTicket:
    cleaned = replace(
        ticket,
        seller_id=ticket.seller_id.strip(),
        application_no=ticket.application_no.strip(),
        order_no=ticket.order_no.strip(),
        customer_id=ticket.customer_id.strip(),
        description=ticket.description.strip(),
    )
    for name in ("seller_id", "application_no", "order_no", "customer_id"):
        if not 1 <= len(getattr(cleaned, name)) <= 64:
            raise InvalidTicket(f"{name} is 1 to 64 characters")
    if not 1 <= len(cleaned.description) <= MAX_TEXT:
        raise InvalidTicket(f"the problem description is 1 to {MAX_TEXT} characters")
    return cleaned


def review_due(created_at: datetime, limits: TimeLimits) -> datetime:
    return created_at + limits.auto_approve_after


def check_reason(review: Review) -> str | None:
    why = (review.reason or "").strip() or None
    if review.outcome in NEEDS_REASON and why is None:
        raise ReasonRequired(f"{review.outcome.value} needs a reason the customer can be told")
    if why is not None and len(why) > MAX_TEXT:
        raise ReasonRequired(f"a reason is at most {MAX_TEXT} characters")
    return why


class TicketAction(StrEnum):
    """A command on one ticket, and the button it shows as."""

    REVIEW = "review"
    RECEIVE = "receive"
    PROCESS = "process"


def state_refusal(action: TicketAction, ticket: Ticket) -> DomainError | None:
    """Why the ticket's state refuses ``action`` now; None when it allows it."""
    status = ticket.status.value
    if action is TicketAction.REVIEW and ticket.status not in REVIEWABLE:
        return TicketNotReviewable(f"ticket {ticket.id} is {status}: not reviewable")
    if action is TicketAction.RECEIVE and ticket.status is not TicketStatus.AWAITING_RECEIPT:
        return TicketNotAwaitingReceipt(f"ticket {ticket.id} is {status}: nothing to receive")
    if action is TicketAction.PROCESS and ticket.status is not TicketStatus.AWAITING_PROCESSING:
        return TicketNotAwaitingProcessing(f"ticket {ticket.id} is {status}: nothing to process")
    return None


def _check_state(action: TicketAction, ticket: Ticket) -> None:
    if (refused := state_refusal(action, ticket)) is not None:
        raise refused


def decide(ticket: Ticket, review: Review, actor: str, now: datetime, limits: TimeLimits) -> Ticket:
    """Apply one review outcome; the ticket must be waiting for review (or the customer)."""
    _check_state(TicketAction.REVIEW, ticket)
    why = check_reason(review)
    reviewed = replace(
        ticket,
        outcome=review.outcome,
        review_reason=why,
        reviewed_by=actor,
        reviewed_at=now,
        review_due_at=None,
    )
    match review.outcome:
        case ReviewOutcome.APPROVE_SHIPMENT:
            return replace(
                reviewed,
                status=TicketStatus.AWAITING_RECEIPT,
                receipt_due_at=now + limits.receipt_within,
            )
        case ReviewOutcome.RESEND_WITHOUT_RETURN:
            return replace(
                reviewed,
                status=TicketStatus.AWAITING_PROCESSING,
                processing_due_at=now + limits.processing_within,
            )
        case ReviewOutcome.REJECT:
            return replace(reviewed, status=TicketStatus.REJECTED)
        case ReviewOutcome.CUSTOMER_GAVE_UP:
            return replace(reviewed, status=TicketStatus.CLOSED)
        case ReviewOutcome.AWAIT_CUSTOMER:
            return replace(reviewed, status=TicketStatus.AWAITING_CUSTOMER)


def auto_approve(ticket: Ticket, now: datetime, limits: TimeLimits) -> Ticket:
    """The seed's 48-hour rule: approve the customer's shipment, as the system."""
    return decide(
        ticket,
        Review(ReviewOutcome.APPROVE_SHIPMENT, "not reviewed within the time limit"),
        SYSTEM_ACTOR,
        now,
        limits,
    )


def check_batch(outcome: ReviewOutcome, tickets: list[Ticket]) -> None:
    """A batch shares one outcome; approving shipment in a batch is for one application's
    tickets (批量同意客户发货 适用于一个申请单下的多个服务单)."""
    if outcome not in BATCH_OUTCOMES:
        allowed = ", ".join(sorted(o.value for o in BATCH_OUTCOMES))
        raise BatchNotAllowed(
            f"{outcome.value} is reviewed one ticket at a time (batch: {allowed})"
        )
    if outcome is ReviewOutcome.APPROVE_SHIPMENT:
        applications = {t.application_no for t in tickets}
        if len(applications) > 1:
            raise BatchNotAllowed(
                "approving shipment in a batch is for the tickets of one application;"
                f" these belong to {len(applications)}"
            )


def receive(ticket: Ticket, now: datetime, limits: TimeLimits) -> Ticket:
    _check_state(TicketAction.RECEIVE, ticket)
    return replace(
        ticket,
        status=TicketStatus.AWAITING_PROCESSING,
        receipt_due_at=None,
        processing_due_at=now + limits.processing_within,
    )


def process(ticket: Ticket, result: ProcessingResult) -> Ticket:
    _check_state(TicketAction.PROCESS, ticket)
    if (
        ticket.outcome is ReviewOutcome.RESEND_WITHOUT_RETURN
        and result is not ProcessingResult.RESENT
    ):
        raise InvalidTicket("a ticket reviewed as resend-without-return is processed as resent")
    return replace(
        ticket, status=TicketStatus.COMPLETED, processing_due_at=None, processing_result=result
    )


def overdue_stage(ticket: Ticket, now: datetime, limits: TimeLimits) -> Stage | None:
    """The stage this ticket is overdue in, if any."""
    if ticket.status is TicketStatus.AWAITING_REVIEW:
        late = ticket.created_at + limits.remind_review_after <= now
        return Stage.REVIEW if late else None
    if ticket.status is TicketStatus.AWAITING_RECEIPT:
        due = ticket.receipt_due_at
        return Stage.RECEIPT if due is not None and due <= now else None
    if ticket.status is TicketStatus.AWAITING_PROCESSING:
        due = ticket.processing_due_at
        return Stage.PROCESSING if due is not None and due <= now else None
    return None


def reminder_key(ticket: Ticket, stage: Stage) -> str:
    """One reminder per ticket and stage, however often the sweep looks."""
    return f"aftersales:ticket:{ticket.id}:overdue:{stage.value}"
