"""Refund forms and their approval chain, requested refunds and caps (the refund service).

The answer models document the refund service's JSON for the OpenAPI document; the
gateway passes it on as it came. Bodies are validated again by the refund service.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.responses import Response

from services.gateway.api.models import errors
from services.gateway.calls import Call

router = APIRouter(tags=["refunds"])
Cause = Literal["no_order_no", "order_conflict", "payment_timeout", "other"]
FormState = Literal[
    "awaiting_lead_check",
    "awaiting_tech_verification",
    "awaiting_finance_submission",
    "awaiting_cashier_check",
    "awaiting_accountant_review",
    "awaiting_director_approval",
    "paying",
    "payout_failed",
    "completed",
    "sent_back",
]
RequestedState = Literal["awaiting_approval", "paying", "payout_failed", "completed", "rejected"]


class _Documented(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- bodies ------------------------------------------------------------------


class RefundFormIn(BaseModel):
    order_no: str = Field(description="The order number (TK订单号): one form per order")
    purchased_at: AwareDatetime = Field(description="Purchase time, to the minute")
    bank: str = Field(examples=["工商银行"])
    amount_cents: int = Field(description="The refund, in cents; at most paid_cents")
    paid_cents: int = Field(description="What the customer paid for the order, in cents")
    phone: str = Field(description="The registered phone; told by SMS when paid")
    fault: str = Field(description="Fault description (故障现象)")
    cause: Cause
    customer_opinion: str
    complaint_at: AwareDatetime = Field(description="When the customer complained")


class StepDecisionIn(BaseModel):
    decision: Literal["approve", "send_back"] = "approve"
    opinion: str = Field(
        default="",
        description="The step's opinion (处理意见); a send-back's reason (required then);"
        " technical verification's finding (required)",
    )


class ResubmitIn(BaseModel):
    note: str = Field(default="", description="What was corrected")
    purchased_at: AwareDatetime | None = None
    bank: str | None = None
    amount_cents: int | None = None
    paid_cents: int | None = None
    phone: str | None = None
    fault: str | None = None
    cause: Cause | None = None
    customer_opinion: str | None = None
    complaint_at: AwareDatetime | None = None


class CustomerWaitIn(BaseModel):
    waiting: bool = Field(description="true: waiting on the customer (time limits pause)")
    note: str = ""


class NoteIn(BaseModel):
    note: str = ""


class ApproveRequestedIn(BaseModel):
    amount_cents: int = Field(description="Must equal the amount requested")
    opinion: str = ""


class RejectRequestedIn(BaseModel):
    reason: Literal[
        "rejected_by_supervisor", "outside_daily_window", "daily_amount_cap", "daily_count_cap"
    ] = "rejected_by_supervisor"
    detail: str = ""


class GiveUpIn(BaseModel):
    note: str = Field(description="Why the payout is given up (required)")


class PolicyIn(BaseModel):
    window_start: time = Field(examples=["09:00:00"])
    window_end: time = Field(examples=["18:00:00"], description="Approvals before this time")
    daily_amount_cap_cents: int
    daily_count_cap: int


# --- answers -----------------------------------------------------------------


class StepOut(_Documented):
    round: int
    step: str
    decision: Literal["approved", "sent_back", "done"]
    opinion: str
    executor: str
    executor_role: str
    to_state: str
    at: datetime


class DeadlineOut(_Documented):
    step: Literal["filing", "submission_to_finance", "finance"]
    due_at: datetime
    paused: bool
    met_at: datetime | None
    breached_at: datetime | None


class PayoutOut(_Documented):
    payout_id: str
    status: Literal["pending", "paid", "failed"]
    attempts: int
    last_error: str | None
    reference: str | None
    paid_at: datetime | None


class RefundFormSummaryOut(_Documented):
    form_id: str
    order_no: str
    state: FormState
    amount_cents: int
    bank: str
    phone: str = Field(description="Masked in lists")
    filed_by: str
    filed_at: datetime
    round: int
    waiting_customer: bool


class RefundFormOut(RefundFormSummaryOut):
    purchased_at: datetime
    paid_cents: int
    fault: str
    cause: Cause
    customer_opinion: str
    complaint_at: datetime
    tech_finding: str | None
    submitted_to_finance_at: datetime | None
    finance_approved_at: datetime | None
    sent_back_step: str | None
    sent_back_reason: str | None
    paid_at: datetime | None
    payout_reference: str | None
    completed_at: datetime | None
    steps: list[StepOut]
    deadlines: list[DeadlineOut]
    payout: PayoutOut | None


class RefundFormPageOut(_Documented):
    items: list[RefundFormSummaryOut]
    next_cursor: str | None


class RequestedRefundOut(_Documented):
    refund_id: str
    request_id: str
    requester: str
    kind: Literal["deposit", "stored_value"]
    user_id: str
    amount_cents: int
    state: RequestedState
    decided_by: str | None
    rejection: str | None
    payout_reference: str | None
    payout: PayoutOut | None = None


class PolicyOut(_Documented):
    window_start: time
    window_end: time
    daily_amount_cap_cents: int
    daily_count_cap: int
    updated_by: str
    updated_at: datetime
    today: date
    approved_today_cents: int
    approved_today_count: int


class AttentionOut(_Documented):
    payout_id: str
    subject_kind: Literal["form", "requested"]
    subject_id: str
    amount_cents: int
    attempts: int
    last_error: str | None
    created_at: datetime


_FORM = "/api/v1/refunds/forms/{form_id}"
_ANSWERS = {200: {"model": RefundFormOut}, **errors(400, 401, 403, 404, 409, 422, 503)}


@router.post(
    "/api/v1/refunds/forms",
    status_code=201,
    responses={201: {"model": RefundFormOut}, **errors(401, 403, 409, 422, 503)},
)
async def file_form(body: RefundFormIn, call: Call) -> Response:
    """File a refund form (退款单), within 10 minutes of the complaint. 409 over_refund,
    form_exists."""
    return await call.forward(body)


@router.get(
    "/api/v1/refunds/forms",
    responses={200: {"model": RefundFormPageOut}, **errors(401, 403, 422, 503)},
)
async def list_forms(
    call: Call,
    state: Annotated[FormState | None, Query(description="Only forms in this state")] = None,
    order_no: Annotated[str | None, Query(description="The order number")] = None,
    filed_by: Annotated[str | None, Query(description="The filing agent")] = None,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Response:
    """Refund forms, newest first; phones masked."""
    return await call.forward()


@router.get(_FORM, responses={200: {"model": RefundFormOut}, **errors(401, 403, 404, 503)})
async def get_form(form_id: str, call: Call) -> Response:
    """One form: its fields, every step (opinion, executor, time), time limits, payout."""
    return await call.forward()


@router.post(f"{_FORM}/lead-check", responses=_ANSWERS)
async def lead_check(form_id: str, body: StepDecisionIn, call: Call) -> Response:
    """The duty lead checks the form (值班负责人审核)."""
    return await call.forward(body)


@router.post(f"{_FORM}/tech-verification", responses=_ANSWERS)
async def tech_verification(form_id: str, body: StepDecisionIn, call: Call) -> Response:
    """The technical team verifies the fault data and records its finding (技术部核实)."""
    return await call.forward(body)


@router.post(f"{_FORM}/finance-submission", responses=_ANSWERS)
async def finance_submission(form_id: str, body: StepDecisionIn, call: Call) -> Response:
    """A duty lead (not the one who checked it) submits the form to finance (提交财务)."""
    return await call.forward(body)


@router.post(f"{_FORM}/cashier-check", responses=_ANSWERS)
async def cashier_check(form_id: str, body: StepDecisionIn, call: Call) -> Response:
    """The cashier checks the refund (出纳核实), or sends it back with a reason."""
    return await call.forward(body)


@router.post(f"{_FORM}/accountant-review", responses=_ANSWERS)
async def accountant_review(form_id: str, body: StepDecisionIn, call: Call) -> Response:
    """The accountant reviews it (会计复核), or sends it back with a reason."""
    return await call.forward(body)


@router.post(f"{_FORM}/director-approval", responses=_ANSWERS)
async def director_approval(form_id: str, body: StepDecisionIn, call: Call) -> Response:
    """The finance director approves (财务总监审批): the payout follows. Needs an
    Idempotency-Key."""
    return await call.forward(body)


@router.post(f"{_FORM}/resubmit", responses=_ANSWERS)
async def resubmit(form_id: str, body: ResubmitIn, call: Call) -> Response:
    """Correct a sent-back form and send it through the chain again."""
    return await call.forward(body)


@router.post(f"{_FORM}/customer-wait", responses=_ANSWERS)
async def customer_wait(form_id: str, body: CustomerWaitIn, call: Call) -> Response:
    """Waiting on the customer (time limits pause), or the customer answered."""
    return await call.forward(body)


@router.post(f"{_FORM}/payout-retry", responses=_ANSWERS)
async def form_payout_retry(form_id: str, call: Call, body: NoteIn | None = None) -> Response:
    """Try a failed payout again (cashier or finance director). Needs an Idempotency-Key."""
    return await call.forward(body)


@router.get(
    "/api/v1/refunds/payouts/attention",
    responses={200: {"model": list[AttentionOut]}, **errors(401, 403, 503)},
)
async def payouts_attention(call: Call) -> Response:
    """Payouts whose retries ran out, waiting for a person."""
    return await call.forward()


_REQUESTED = "/api/v1/refunds/requested/{refund_id}"
_REQUESTED_ANSWERS = {
    200: {"model": RequestedRefundOut},
    **errors(400, 401, 403, 404, 409, 422, 503),
}


@router.get(
    "/api/v1/refunds/requested",
    responses={200: {"model": list[RequestedRefundOut]}, **errors(401, 403, 422, 503)},
)
async def list_requested(
    call: Call,
    state: Annotated[RequestedState | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> Response:
    """Refunds other services asked for (deposits, stored value), newest first."""
    return await call.forward()


@router.get(_REQUESTED, responses={200: {"model": RequestedRefundOut}, **errors(401, 403, 404)})
async def get_requested(refund_id: str, call: Call) -> Response:
    return await call.forward()


@router.post(f"{_REQUESTED}/approve", responses=_REQUESTED_ANSWERS)
async def approve_requested(refund_id: str, body: ApproveRequestedIn, call: Call) -> Response:
    """Approve for exactly the amount requested, inside the daily window and caps (409
    outside_window, cap_exceeded, amount_mismatch). Needs an Idempotency-Key."""
    return await call.forward(body)


@router.post(f"{_REQUESTED}/reject", responses=_REQUESTED_ANSWERS)
async def reject_requested(refund_id: str, body: RejectRequestedIn, call: Call) -> Response:
    """Refuse it: the requester is told on refund.rejected.v1."""
    return await call.forward(body)


@router.post(f"{_REQUESTED}/payout-retry", responses=_REQUESTED_ANSWERS)
async def requested_payout_retry(refund_id: str, call: Call) -> Response:
    """Try a failed payout again. Needs an Idempotency-Key."""
    return await call.forward()


@router.post(f"{_REQUESTED}/give-up", responses=_REQUESTED_ANSWERS)
async def give_up_requested(refund_id: str, body: GiveUpIn, call: Call) -> Response:
    """Give a failed payout up: the requester is told (payout_failed) and keeps the money."""
    return await call.forward(body)


@router.get(
    "/api/v1/refunds/policy", responses={200: {"model": PolicyOut}, **errors(401, 403, 503)}
)
async def get_policy(call: Call) -> Response:
    """The daily window and caps of requested refunds, and what today has approved."""
    return await call.forward()


@router.put(
    "/api/v1/refunds/policy",
    responses={200: {"model": PolicyOut}, **errors(401, 403, 409, 422, 503)},
)
async def put_policy(body: PolicyIn, call: Call) -> Response:
    """Set the daily window and caps (ops supervisor)."""
    return await call.forward(body)
