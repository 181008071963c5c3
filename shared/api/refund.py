"""The refund service's HTTP bodies and answers: refund forms and their approval chain,
requested refunds, the daily caps and the payouts waiting for a person.

The refund service validates and answers with these; the gateway declares them for its
OpenAPI document and passes the service's JSON on as it came.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field

from shared.api.base import ApiModel, BodyModel
from shared.paging import PageOut
from shared.timestamps import Timestamp

Phone = Annotated[str, Field(pattern=r"^\+?[0-9]{6,20}$")]
Cents = Annotated[int, Field(gt=0, le=100_000_000)]
Text = Annotated[str, Field(min_length=1, max_length=1000)]
Note = Annotated[str, Field(max_length=1000)]
Bank = Annotated[str, Field(min_length=1, max_length=64, examples=["工商银行"])]
Cause = Literal["no_order_no", "order_conflict", "payment_timeout", "other"]
CustomerName = Annotated[str, Field(max_length=64, examples=["张先生"])]
ComplaintNo = Annotated[str, Field(min_length=1, max_length=64, examples=["TS20261206001"])]
FormState = Literal[
    "awaiting_lead_check",
    "awaiting_tech_verification",
    "awaiting_finance_submission",
    "awaiting_cashier_check",
    "awaiting_accountant_review",
    "awaiting_director_approval",
    "awaiting_second_approval",
    "paying",
    "payout_failed",
    "completed",
    "sent_back",
    "closed",
]
RequestedState = Literal["awaiting_approval", "paying", "payout_failed", "completed", "rejected"]
RejectionReason = Literal[
    "rejected_by_supervisor", "outside_daily_window", "daily_amount_cap", "daily_count_cap"
]


# --- bodies ------------------------------------------------------------------


class FormIn(BodyModel):
    order_no: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="The order number (TK订单号): one form per order"
    )
    purchased_at: AwareDatetime = Field(description="Purchase time, to the minute")
    bank: Bank
    amount_cents: Cents = Field(description="The refund, in cents; at most paid_cents")
    paid_cents: Cents = Field(description="What the customer paid for the order, in cents")
    phone: Phone = Field(description="The registered phone; told by SMS when paid")
    fault: Text = Field(description="Fault description (故障现象)")
    cause: Cause
    customer_opinion: Text
    complaint_at: AwareDatetime = Field(
        description="When the customer complained: the form is due within 10 minutes of it"
    )
    customer_name: CustomerName = Field(default="", description="As the customer gave it")
    complaint_no: ComplaintNo | None = Field(
        default=None, description="The complaint this form came from (投诉编号), if numbered"
    )


class DecisionIn(BodyModel):
    decision: Literal["approve", "send_back"] = "approve"
    opinion: Note = Field(
        default="",
        description="The step's opinion (处理意见); a send-back's reason (required then);"
        " technical verification's finding (required)",
    )


class ResubmitIn(BodyModel):
    note: Note = Field(default="", description="What was corrected")
    purchased_at: AwareDatetime | None = None
    bank: Bank | None = None
    amount_cents: Cents | None = None
    paid_cents: Cents | None = None
    phone: Phone | None = None
    fault: Text | None = None
    cause: Cause | None = None
    customer_opinion: Text | None = None
    complaint_at: AwareDatetime | None = None
    customer_name: CustomerName | None = None
    complaint_no: ComplaintNo | None = None


class CustomerWaitIn(BodyModel):
    waiting: bool = Field(
        description="true: waiting on the customer (time limits pause); false: they answered"
    )
    note: Note = ""


class CloseIn(BodyModel):
    reason: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Why the form is closed without a refund (不予处理); the customer's SMS"
        " and the agent's message carry it",
        examples=["经核实款项未到账，不予处理"],
    )


class NoteIn(BodyModel):
    note: Note = ""


class ApproveRequestedIn(BodyModel):
    amount_cents: Annotated[int, Field(gt=0)] = Field(
        description="Must equal the amount requested (409 amount_mismatch otherwise)"
    )
    opinion: Note = ""


class RejectRequestedIn(BodyModel):
    reason: RejectionReason = "rejected_by_supervisor"
    detail: Note = ""


class GiveUpIn(BodyModel):
    note: Annotated[str, Field(min_length=1, max_length=1000)] = Field(
        description="Why the payout is given up (required)"
    )


def _business_time(value: time) -> time:
    # A time of day in the business zone: an offset has nowhere to go (the column is a
    # plain time) and an aware and a naive time cannot be compared (a 500 once).
    if value.tzinfo is not None:
        raise ValueError("a time of day in the business time zone, without an offset")
    return value


BusinessTime = Annotated[time, AfterValidator(_business_time)]


class PolicyIn(BodyModel):
    window_start: BusinessTime = Field(examples=["09:00:00"])
    window_end: BusinessTime = Field(
        examples=["18:00:00"],
        description="Approvals from window_start until before this time, business time zone",
    )
    daily_amount_cap_cents: Annotated[int, Field(ge=0)]
    # the column is a PostgreSQL integer: a larger count was a 500
    daily_count_cap: Annotated[int, Field(ge=0, le=2**31 - 1)]


# --- answers -----------------------------------------------------------------


class StepOut(ApiModel):
    round: int
    step: str
    decision: Literal["approved", "sent_back", "done"]
    opinion: str
    executor: str
    executor_role: str
    to_state: str
    at: Timestamp


class RefusalOut(ApiModel):
    """Why the caller may not decide the step a form waits at: what its command would answer."""

    step: str
    code: str = Field(description="The refusal's code: same_person_twice, own_form, role_required")
    message: str


class DeadlineOut(ApiModel):
    step: Literal["filing", "submission_to_finance", "finance"]
    due_at: Timestamp
    paused: bool
    met_at: Timestamp | None
    breached_at: Timestamp | None = Field(
        description="Set when the limit was missed (shown on the form; told to the duty lead)"
    )


class PayoutOut(ApiModel):
    payout_id: str
    status: Literal["pending", "paid", "failed", "given_up"] = Field(
        description="failed: retries ran out, a person decides; given_up: a person gave it up"
    )
    attempts: int
    last_error: str | None
    reference: str | None
    paid_at: Timestamp | None


FormAction = Literal[
    "lead_check",
    "tech_verification",
    "finance_submission",
    "cashier_check",
    "accountant_review",
    "director_approval",
    "second_approval",
    "resubmit",
    "customer_wait",
    "payout_retry",
    "close",
]


class RefundFormSummaryOut(ApiModel):
    form_id: str
    order_no: str
    state: FormState
    amount_cents: int
    bank: str
    phone: str = Field(description="Masked in lists: 138****8000")
    filed_by: str
    filed_at: Timestamp
    round: int
    waiting_customer: bool
    customer_name: str
    complaint_no: str | None
    actions: list[FormAction] = Field(
        description="What the caller may do to this form now (a review step approves or sends"
        " back; customer_wait toggles waiting on the customer): each flag is the rule the"
        " command itself runs, roles and separation of duties included"
    )


class RefundFormOut(RefundFormSummaryOut):
    purchased_at: Timestamp
    paid_cents: int
    fault: str
    cause: Cause
    customer_opinion: str
    complaint_at: Timestamp
    tech_finding: str | None
    submitted_to_finance_at: Timestamp | None
    finance_approved_at: Timestamp | None
    sent_back_step: str | None
    sent_back_reason: str | None
    paid_at: Timestamp | None
    payout_reference: str | None
    completed_at: Timestamp | None
    closed_at: Timestamp | None = None
    closed_by: str | None = None
    closed_reason: str | None = Field(
        default=None, description="Why the form was closed without a refund"
    )
    steps: list[StepOut] = Field(
        description="Every step of every round, oldest first: opinion, executor and time"
    )
    deadlines: list[DeadlineOut]
    payout: PayoutOut | None
    step_refusal: RefusalOut | None = Field(
        default=None,
        description="Why the caller may not decide the step the form waits at (the rule its"
        " command runs); null when the step is offered or no review step waits",
    )


class RefundFormPageOut(PageOut):
    items: list[RefundFormSummaryOut]


class QueuedFormOut(RefundFormSummaryOut):
    """A form waiting on a step the caller's role decides, with the limit it runs under."""

    due_at: Timestamp | None = Field(
        description="When the running time limit is due; null for a sent-back form (no limit"
        " runs while the agent corrects it)"
    )
    due_limit: Literal["submission_to_finance", "finance"] | None
    due_paused: bool = Field(description="Waiting on the customer: the limit is paused")
    overdue: bool = Field(description="The limit was missed (told to the duty lead)")
    queued_at: Timestamp = Field(
        description="The queue's order, oldest first: the due time, or when a sent-back form"
        " came back"
    )


class QueuePageOut(PageOut):
    items: list[QueuedFormOut]


class RequestedRefundOut(ApiModel):
    refund_id: str
    request_id: str
    requester: str
    kind: Literal["deposit", "stored_value"]
    user_id: str
    amount_cents: int
    phone: str | None
    reason: str
    requested_by: str
    requested_at: Timestamp
    received_at: Timestamp
    state: RequestedState
    decided_by: str | None
    decided_at: Timestamp | None
    opinion: str | None
    business_day: date | None
    rejection: str | None
    detail: str | None
    payout_reference: str | None
    completed_at: Timestamp | None
    payout: PayoutOut | None = None
    actions: list[Literal["approve", "reject", "payout_retry", "give_up"]] = Field(
        description="What the caller may do now, each the rule its command runs: approve"
        " (ops supervisor, not the requester, inside today's window and caps), reject,"
        " and a failed payout's retry or give-up"
    )


class RequestedRefundPageOut(PageOut):
    items: list[RequestedRefundOut]


class PolicyOut(ApiModel):
    window_start: time
    window_end: time
    daily_amount_cap_cents: int
    daily_count_cap: int
    updated_by: str
    updated_at: Timestamp
    today: date
    approved_today_cents: int
    approved_today_count: int


class AttentionOut(ApiModel):
    """A payout whose retries ran out: a person retries it (or, for a requested refund,
    gives it up)."""

    payout_id: str
    subject_kind: Literal["form", "requested"]
    subject_id: str
    amount_cents: int
    attempts: int
    last_error: str | None
    created_at: Timestamp
    actions: list[Literal["payout_retry", "give_up"]] = Field(
        description="payout_retry: a form's (cashier, finance director) or a requested"
        " refund's (ops supervisor); give_up: a requested refund's (ops supervisor)"
    )


class AttentionPageOut(PageOut):
    items: list[AttentionOut]
