"""After-sales tickets, sellers' activations, shift handovers, refund reports.

All answered by the refund service at the same path without ``/api/v1``, with the
bodies and answers of shared/api/aftersales.py and refund_reports.py. The CSV reports
are streamed through as the service writes them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response, StreamingResponse

from services.gateway.answers import Answer
from services.gateway.api.models import errors
from services.gateway.api.paging import Cursor
from services.gateway.api.paging import Limit as PageLimit
from services.gateway.calls import Call, path_on_service
from shared.api.aftersales import (
    ActivationDetail,
    ActivationIn,
    ActivationListOut,
    ActivationOut,
    ActivationReviewIn,
    ActivationStatus,
    BatchReviewIn,
    BatchReviewOut,
    ImageDataOut,
    ImageListOut,
    ImagesIn,
    OverdueListOut,
    ProcessIn,
    QualityOut,
    RegionListOut,
    ReviewIn,
    ReviewOutcome,
    StaffIn,
    StaffListOut,
    StaffOut,
    Stage,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    TicketPageOut,
    TicketStatus,
)
from shared.api.refund_reports import (
    DailyFaultsOut,
    FinanceMonthlyOut,
    HandoverIn,
    HandoverOut,
    HandoverPageOut,
    ServiceMonthlyOut,
)

router = APIRouter(tags=["aftersales"])
reports = APIRouter(tags=["refund handovers and reports"])

Limit = Annotated[int | None, Query(description="Page size")]
Month = Annotated[str, Query(description="YYYY-MM", examples=["2026-11"])]
Day = Annotated[str, Query(alias="date", description="YYYY-MM-DD", examples=["2026-11-02"])]
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The table as CSV (UTF-8, headed)"}
}


async def _download(call: Call) -> Response:
    got = await call.gateway.upstreams.download(
        call.rule.service,
        path_on_service(call.request, call.rule),
        query=call.request.url.query,
        actor=call.actor,
    )
    return got.response() if isinstance(got, Answer) else got


# --- activations ---------------------------------------------------------------


@router.post(
    "/api/v1/aftersales/activations",
    status_code=201,
    responses={201: {"model": ActivationOut}, **errors(401, 403, 409, 422, 503)},
)
async def apply_for_activation(body: ActivationIn, call: Call) -> Response:
    """A seller applies (again, after a rejection) with a three-level return address."""
    return await call.forward(body)


@router.get(
    "/api/v1/aftersales/activations",
    responses={200: {"model": ActivationListOut}, **errors(401, 403, 422, 503)},
)
async def list_activations(
    call: Call, status: ActivationStatus | None = None, limit: Limit = None, cursor: Cursor = None
) -> Response:
    """Applications, newest first; ``status=pending_review`` is the review queue."""
    return await call.forward()


@router.get(
    "/api/v1/aftersales/activations/{seller_id}",
    responses={200: {"model": ActivationDetail}, **errors(401, 403, 404, 503)},
)
async def activation_detail(seller_id: str, call: Call) -> Response:
    """A seller's application, why it was rejected, and its history."""
    return await call.forward()


@router.post(
    "/api/v1/aftersales/activations/{seller_id}/review",
    responses={200: {"model": ActivationOut}, **errors(401, 403, 404, 409, 422, 503)},
)
async def review_activation(seller_id: str, body: ActivationReviewIn, call: Call) -> Response:
    """Approve, or reject with the reason the seller will read."""
    return await call.forward(body)


@router.get(
    "/api/v1/aftersales/regions",
    responses={200: {"model": RegionListOut}, **errors(401, 403, 404, 422, 503)},
)
async def list_regions(
    call: Call,
    parent: Annotated[
        str | None, Query(description="A province's or city's code; none: the provinces")
    ] = None,
) -> Response:
    """The return address's three levels, one below the other, for the activation form."""
    return await call.forward()


# --- tickets -------------------------------------------------------------------


@router.post(
    "/api/v1/aftersales/tickets",
    status_code=201,
    responses={201: {"model": TicketOut}, **errors(401, 403, 409, 413, 422, 503)},
)
async def open_ticket(body: TicketIn, call: Call) -> Response:
    """Open a service ticket for a customer, with up to 3 images under 800 KB each."""
    return await call.forward(body)


@router.get(
    "/api/v1/aftersales/tickets",
    responses={200: {"model": TicketPageOut}, **errors(401, 403, 422, 503)},
)
async def list_tickets(
    call: Call,
    seller_id: str | None = None,
    status: TicketStatus | None = None,
    application_no: Annotated[str | None, Query(description="申请单号")] = None,
    order_no: Annotated[str | None, Query(description="The customer's order number")] = None,
    customer_id: Annotated[str | None, Query(description="The customer")] = None,
    outcome: Annotated[ReviewOutcome | None, Query(description="The review's outcome")] = None,
    created_from: Annotated[
        date | None, Query(description="First opening day, YYYY-MM-DD, included")
    ] = None,
    created_to: Annotated[date | None, Query(description="Last opening day, included")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Tickets matching every filter given, newest first. A reviewer or processor sees only
    the tickets of the sellers they serve."""
    return await call.forward()


@router.get(
    "/api/v1/aftersales/tickets/overdue",
    responses={200: {"model": OverdueListOut}, **errors(401, 403, 422, 503)},
)
async def overdue_tickets(
    call: Call,
    stage: Stage | None = None,
    seller_id: str | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Tickets overdue for review, receipt or processing, longest waiting first."""
    return await call.forward()


@router.post(
    "/api/v1/aftersales/tickets/review-batch",
    responses={200: {"model": BatchReviewOut}, **errors(401, 403, 422, 503)},
)
async def review_batch(body: BatchReviewIn, call: Call) -> Response:
    """One outcome for many tickets, with a result per ticket."""
    return await call.forward(body)


@router.get(
    "/api/v1/aftersales/tickets/{ticket_id}",
    responses={200: {"model": TicketDetailOut}, **errors(401, 403, 404, 503)},
)
async def ticket_detail(ticket_id: int, call: Call) -> Response:
    """A ticket with its history and images (the system's 48-hour approval marked)."""
    return await call.forward()


@router.post(
    "/api/v1/aftersales/tickets/{ticket_id}/review",
    responses={200: {"model": TicketOut}, **errors(401, 403, 404, 409, 413, 422, 503)},
)
async def review_ticket(ticket_id: int, body: ReviewIn, call: Call) -> Response:
    """One of the five review outcomes (aftersales_reviewer)."""
    return await call.forward(body)


@router.post(
    "/api/v1/aftersales/tickets/{ticket_id}/receive",
    responses={200: {"model": TicketOut}, **errors(401, 403, 404, 409, 503)},
)
async def receive_return(ticket_id: int, call: Call) -> Response:
    """The customer's return arrived (aftersales_processor)."""
    return await call.forward()


@router.post(
    "/api/v1/aftersales/tickets/{ticket_id}/process",
    responses={200: {"model": TicketOut}, **errors(401, 403, 404, 409, 422, 503)},
)
async def process_ticket(ticket_id: int, body: ProcessIn, call: Call) -> Response:
    """What was done with it (aftersales_processor): the ticket is completed."""
    return await call.forward(body)


@router.post(
    "/api/v1/aftersales/tickets/{ticket_id}/images",
    status_code=201,
    responses={201: {"model": ImageListOut}, **errors(401, 403, 404, 413, 422, 503)},
)
async def add_images(ticket_id: int, body: ImagesIn, call: Call) -> Response:
    """Add images: at most 3 per ticket, each under 800 KB."""
    return await call.forward(body)


@router.get(
    "/api/v1/aftersales/tickets/{ticket_id}/images",
    responses={200: {"model": ImageListOut}, **errors(401, 403, 503)},
)
async def list_images(ticket_id: int, call: Call) -> Response:
    return await call.forward()


@router.get(
    "/api/v1/aftersales/tickets/{ticket_id}/images/{image_id}",
    responses={200: {"model": ImageDataOut}, **errors(401, 403, 404, 503)},
)
async def image(ticket_id: int, image_id: int, call: Call) -> Response:
    """One image with its bytes in base64."""
    return await call.forward()


@router.get(
    "/api/v1/aftersales/sellers/{seller_id}/quality",
    responses={200: {"model": QualityOut}, **errors(401, 403, 422, 503)},
)
async def seller_quality(seller_id: str, call: Call, month: Month) -> Response:
    """A seller's service quality over the tickets opened in the month, graded A-C."""
    return await call.forward()


@router.get(
    "/api/v1/aftersales/sellers/{seller_id}/staff",
    responses={200: {"model": StaffListOut}, **errors(401, 403, 404, 503)},
)
async def seller_staff(seller_id: str, call: Call) -> Response:
    """The seller's main account and its staff with their permissions (review, process)."""
    return await call.forward()


@router.put(
    "/api/v1/aftersales/sellers/{seller_id}/staff/{username}",
    responses={200: {"model": StaffOut}, **errors(401, 403, 404, 422, 503)},
)
async def set_seller_staff(seller_id: str, username: str, body: StaffIn, call: Call) -> Response:
    """The seller's main account adds a staff member or sets what they may do: review,
    process, both or none (403 ``not_main_account`` for anyone else)."""
    return await call.forward(body)


# --- handovers and reports -----------------------------------------------------------


@reports.post(
    "/api/v1/refunds/handovers",
    status_code=201,
    responses={201: {"model": HandoverOut}, **errors(401, 403, 404, 422, 503)},
)
async def hand_over(body: HandoverIn, call: Call) -> Response:
    """Hand the shift over; the finance lists are computed from the forms."""
    return await call.forward(body)


@reports.get(
    "/api/v1/refunds/handovers",
    responses={200: {"model": HandoverPageOut}, **errors(401, 403, 422, 503)},
)
async def list_handovers(
    call: Call, acknowledged: bool | None = None, limit: PageLimit = None, cursor: Cursor = None
) -> Response:
    """Handovers, newest first; phones masked."""
    return await call.forward()


@reports.get(
    "/api/v1/refunds/handovers/{handover_id}",
    responses={200: {"model": HandoverOut}, **errors(401, 403, 404, 503)},
)
async def handover_detail(handover_id: int, call: Call) -> Response:
    return await call.forward()


@reports.post(
    "/api/v1/refunds/handovers/{handover_id}/acknowledge",
    responses={200: {"model": HandoverOut}, **errors(401, 403, 404, 409, 503)},
)
async def acknowledge_handover(handover_id: int, call: Call) -> Response:
    """The next duty lead takes over (403 same_person for whoever wrote it)."""
    return await call.forward()


@reports.get(
    "/api/v1/refunds/reports/daily-faults",
    responses={200: {"model": DailyFaultsOut}, **errors(401, 403, 422, 503)},
)
async def daily_faults(call: Call, day: Day) -> Response:
    """The day's refund forms by fault cause; submitted, paid and sent back that day."""
    return await call.forward()


@reports.get(
    "/api/v1/refunds/reports/daily-faults.csv",
    response_class=StreamingResponse,
    responses={**CSV, **errors(401, 403, 422, 503)},
)
async def daily_faults_csv(call: Call, day: Day) -> Response:
    return await _download(call)


@reports.get(
    "/api/v1/refunds/reports/service-monthly",
    responses={200: {"model": ServiceMonthlyOut}, **errors(401, 403, 422, 503)},
)
async def service_monthly(call: Call, month: Month) -> Response:
    """客服退单统计表: the forms filed in the month, with the seed's columns and total."""
    return await call.forward()


@reports.get(
    "/api/v1/refunds/reports/service-monthly.csv",
    response_class=StreamingResponse,
    responses={**CSV, **errors(401, 403, 422, 503)},
)
async def service_monthly_csv(call: Call, month: Month) -> Response:
    return await _download(call)


@reports.get(
    "/api/v1/refunds/reports/finance-monthly",
    responses={200: {"model": FinanceMonthlyOut}, **errors(401, 403, 422, 503)},
)
async def finance_monthly(call: Call, month: Month) -> Response:
    """财务退单统计表: the forms submitted to finance in the month."""
    return await call.forward()


@reports.get(
    "/api/v1/refunds/reports/finance-monthly.csv",
    response_class=StreamingResponse,
    responses={**CSV, **errors(401, 403, 422, 503)},
)
async def finance_monthly_csv(call: Call, month: Month) -> Response:
    return await _download(call)


router.include_router(reports)
