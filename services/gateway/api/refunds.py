"""Refund forms and their approval chain, requested refunds and caps (the refund service).

The bodies and answers are the refund service's own (shared/api/refund.py): the gateway
checks a body as the service will and passes the service's JSON on as it came.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.gateway.api.models import errors
from services.gateway.api.paging import Cursor, Limit
from services.gateway.calls import Call
from shared.api.refund import (
    ApproveRequestedIn,
    AttentionPageOut,
    CloseIn,
    CustomerWaitIn,
    DecisionIn,
    FormIn,
    FormState,
    GiveUpIn,
    NoteIn,
    PolicyIn,
    PolicyOut,
    QueuePageOut,
    RefundFormOut,
    RefundFormPageOut,
    RejectRequestedIn,
    RequestedRefundOut,
    RequestedRefundPageOut,
    RequestedState,
    ResubmitIn,
)
from shared.api.refund_reports import (
    FollowUpNoteIn,
    MonthlyStatisticsOut,
    MonthlyStatisticsPageOut,
    StatisticsOpinionIn,
    StatisticsReasonIn,
    StatisticsState,
)

router = APIRouter(tags=["refunds"])

_FORM = "/api/v1/refunds/forms/{form_id}"
_ANSWERS = {200: {"model": RefundFormOut}, **errors(400, 401, 403, 404, 409, 422, 503)}


@router.post(
    "/api/v1/refunds/forms",
    status_code=201,
    responses={201: {"model": RefundFormOut}, **errors(401, 403, 409, 422, 503)},
)
async def file_form(body: FormIn, call: Call) -> Response:
    """File a refund form (退款单), within 10 minutes of the complaint. 409 over_refund,
    form_exists."""
    return await call.forward(body)


Phone = Annotated[
    str | None,
    Query(pattern=r"^\+?[0-9]{4,20}$", description="The whole number or its last four digits"),
]


@router.get(
    "/api/v1/refunds/forms",
    responses={200: {"model": RefundFormPageOut}, **errors(401, 403, 422, 503)},
)
async def list_forms(
    call: Call,
    state: Annotated[list[FormState] | None, Query(description="One or more states")] = None,
    phone: Phone = None,
    customer_name: Annotated[str | None, Query(description="Part of the customer's name")] = None,
    order_no: Annotated[str | None, Query(description="The order number")] = None,
    complaint_no: Annotated[str | None, Query(description="The complaint's number")] = None,
    filed_by: Annotated[str | None, Query(description="The filing agent")] = None,
    filed_from: Annotated[date | None, Query(description="First day filed (inclusive)")] = None,
    filed_to: Annotated[date | None, Query(description="Last day filed (inclusive)")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Search refund forms, newest first; phones masked. 422 unknown_filter for a filter
    not listed here, invalid_cursor for a cursor this list did not give out."""
    return await call.forward()


@router.get(
    "/api/v1/refunds/forms/queue",
    responses={200: {"model": QueuePageOut}, **errors(401, 403, 422, 503)},
)
async def my_queue(call: Call, limit: Limit = None, cursor: Cursor = None) -> Response:
    """My queue: the forms waiting on a step my role decides (a review step, or a failed
    payout for a cashier or finance director), oldest due first, with their due times."""
    return await call.forward()


@router.get(_FORM, responses={200: {"model": RefundFormOut}, **errors(401, 403, 404, 503)})
async def get_form(form_id: str, call: Call) -> Response:
    """One form: its fields, every step (opinion, executor, time), time limits, payout."""
    return await call.forward()


@router.post(f"{_FORM}/lead-check", responses=_ANSWERS)
async def lead_check(form_id: str, body: DecisionIn, call: Call) -> Response:
    """The duty lead checks the form (值班负责人审核)."""
    return await call.forward(body)


@router.post(f"{_FORM}/tech-verification", responses=_ANSWERS)
async def tech_verification(form_id: str, body: DecisionIn, call: Call) -> Response:
    """The technical team verifies the fault data and records its finding (技术部核实)."""
    return await call.forward(body)


@router.post(f"{_FORM}/finance-submission", responses=_ANSWERS)
async def finance_submission(form_id: str, body: DecisionIn, call: Call) -> Response:
    """A duty lead (not the one who checked it) submits the form to finance (提交财务)."""
    return await call.forward(body)


@router.post(f"{_FORM}/cashier-check", responses=_ANSWERS)
async def cashier_check(form_id: str, body: DecisionIn, call: Call) -> Response:
    """The cashier checks the refund (出纳核实), or sends it back with a reason."""
    return await call.forward(body)


@router.post(f"{_FORM}/accountant-review", responses=_ANSWERS)
async def accountant_review(form_id: str, body: DecisionIn, call: Call) -> Response:
    """The accountant reviews it (会计复核), or sends it back with a reason."""
    return await call.forward(body)


@router.post(f"{_FORM}/director-approval", responses=_ANSWERS)
async def director_approval(form_id: str, body: DecisionIn, call: Call) -> Response:
    """The finance director approves (财务总监审批): the payout follows, or, above
    KEFU_REFUND_SECOND_APPROVAL_ABOVE_CENTS, the second approval. Needs an Idempotency-Key."""
    return await call.forward(body)


@router.post(f"{_FORM}/second-approval", responses=_ANSWERS)
async def second_approval(form_id: str, body: DecisionIn, call: Call) -> Response:
    """A refund above KEFU_REFUND_SECOND_APPROVAL_ABOVE_CENTS: another finance director
    (not the one who approved it) approves it too (大额复核), then the payout follows.
    Needs an Idempotency-Key."""
    return await call.forward(body)


@router.post(f"{_FORM}/resubmit", responses=_ANSWERS)
async def resubmit(form_id: str, body: ResubmitIn, call: Call) -> Response:
    """Correct a sent-back form and send it through the chain again."""
    return await call.forward(body)


@router.post(f"{_FORM}/customer-wait", responses=_ANSWERS)
async def customer_wait(form_id: str, body: CustomerWaitIn, call: Call) -> Response:
    """Waiting on the customer (time limits pause), or the customer answered."""
    return await call.forward(body)


@router.post(f"{_FORM}/close", responses=_ANSWERS)
async def close_form(form_id: str, body: CloseIn, call: Call) -> Response:
    """Close a sent-back form for good (不予处理: the money never arrived) with a reason:
    a duty lead or finance. The customer is told by SMS and the filing agent in-app.
    409 wrong_step unless the form is sent back; 422 reason_required."""
    return await call.forward(body)


@router.post(f"{_FORM}/payout-retry", responses=_ANSWERS)
async def form_payout_retry(form_id: str, call: Call, body: NoteIn | None = None) -> Response:
    """Try a failed payout again (cashier or finance director). Needs an Idempotency-Key."""
    return await call.forward(body)


@router.get(
    "/api/v1/refunds/payouts/attention",
    responses={200: {"model": AttentionPageOut}, **errors(401, 403, 422, 503)},
)
async def payouts_attention(
    call: Call,
    kind: Annotated[Literal["form", "requested"] | None, Query()] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Payouts whose retries ran out, waiting for a person, oldest first."""
    return await call.forward()


_REQUESTED = "/api/v1/refunds/requested/{refund_id}"
_REQUESTED_ANSWERS = {
    200: {"model": RequestedRefundOut},
    **errors(400, 401, 403, 404, 409, 422, 503),
}


@router.get(
    "/api/v1/refunds/requested",
    responses={200: {"model": RequestedRefundPageOut}, **errors(401, 403, 422, 503)},
)
async def list_requested(
    call: Call,
    state: Annotated[list[RequestedState] | None, Query(description="One or more")] = None,
    user_id: Annotated[str | None, Query(description="The customer's user id")] = None,
    phone: Phone = None,
    request_id: Annotated[str | None, Query(description="The requesting service's id")] = None,
    kind: Annotated[Literal["deposit", "stored_value"] | None, Query()] = None,
    received_from: Annotated[date | None, Query(description="First day (inclusive)")] = None,
    received_to: Annotated[date | None, Query(description="Last day (inclusive)")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Refunds other services asked for (deposits, stored value), newest first, phones
    masked."""
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
    """Give a failed payout up: the requester is told (payout_failed) and the day's caps
    get the amount back. Needs an Idempotency-Key."""
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


_STATISTICS = "/api/v1/refunds/reports/monthly-statistics/{month}/{department}"
_STATISTICS_ANSWERS = {
    200: {"model": MonthlyStatisticsOut},
    **errors(401, 403, 404, 409, 422, 503),
}
Department = Literal["service", "finance"]


@router.get(
    "/api/v1/refunds/reports/monthly-statistics",
    responses={200: {"model": MonthlyStatisticsPageOut}, **errors(401, 403, 422, 503)},
)
async def list_monthly_statistics(
    call: Call,
    department: Annotated[Department | None, Query()] = None,
    state: Annotated[StatisticsState | None, Query(description="e.g. approved: to verify")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Months whose refund statistics were decided on, the latest first (the caller's
    departments; the admin/HR office sees both)."""
    return await call.forward()


@router.get(_STATISTICS, responses=_STATISTICS_ANSWERS)
async def get_monthly_statistics(month: str, department: Department, call: Call) -> Response:
    """Where a month's statistics stand (draft, approved, returned, verified, archived), who
    decided what, the follow-up section (后期执行情况跟踪) and the caller's actions."""
    return await call.forward()


@router.post(f"{_STATISTICS}/approve", responses=_STATISTICS_ANSWERS)
async def approve_monthly_statistics(
    month: str, department: Department, call: Call, body: StatisticsOpinionIn | None = None
) -> Response:
    """The department's head (service: duty_lead; finance: finance_director) approves the
    ended month's table, which is stored from then on, never recomputed. 409
    month_not_over, wrong_state."""
    return await call.forward(body)


@router.post(f"{_STATISTICS}/return", responses=_STATISTICS_ANSWERS)
async def return_monthly_statistics(
    month: str, department: Department, body: StatisticsReasonIn, call: Call
) -> Response:
    """The admin/HR office sends the table back to the head with a reason."""
    return await call.forward(body)


@router.post(f"{_STATISTICS}/verify", responses=_STATISTICS_ANSWERS)
async def verify_monthly_statistics(
    month: str, department: Department, call: Call, body: StatisticsOpinionIn | None = None
) -> Response:
    """The admin/HR office verifies the refunds against the table (核实); not who approved."""
    return await call.forward(body)


@router.post(f"{_STATISTICS}/archive", responses=_STATISTICS_ANSWERS)
async def archive_monthly_statistics(month: str, department: Department, call: Call) -> Response:
    """The admin/HR office archives the verified table (存档): it never changes again."""
    return await call.forward()


@router.post(f"{_STATISTICS}/follow-ups", responses=_STATISTICS_ANSWERS)
async def follow_up_monthly_statistics(
    month: str, department: Department, body: FollowUpNoteIn, call: Call
) -> Response:
    """后期执行情况跟踪: the admin/HR office notes how things went, on an archived month."""
    return await call.forward(body)
