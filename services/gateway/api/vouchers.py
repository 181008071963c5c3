"""Vouchers, order reversals and operation records, from the voucher service.

The query filters are declared for the OpenAPI document and passed on as given:
the voucher service validates them (an empty filter counts as absent there).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from starlette.responses import Response

from services.gateway.api.models import errors
from services.gateway.calls import Call
from services.gateway.direct import forwards_as_is
from shared.api.voucher import (
    OperationPageOut,
    OperationStatusOut,
    OperationViewOut,
    ReasonIn,
    VoucherDetailOut,
    VoucherPageOut,
)

router = APIRouter(tags=["vouchers"])

# Optional here because the voucher service, not the gateway, decides what a missing
# reason means (422 reason_required for void and reversal).
Reason = Annotated[ReasonIn | None, Body()]


def _filter(description: str, example: str) -> object:
    return Query(description=description, examples=[example])


@router.get(
    "/api/v1/vouchers", responses={200: {"model": VoucherPageOut}, **errors(401, 403, 422, 503)}
)
@forwards_as_is  # the agents' search: past FastAPI's routing (services/gateway/direct.py)
async def find_vouchers(
    call: Call,
    phone: Annotated[str | None, _filter("The customer's phone number", "13800138000")] = None,
    user_id: Annotated[str | None, _filter("The customer's user id", "U10001")] = None,
    code: Annotated[str | None, _filter("Voucher code (券编码)", "22015118222201812301")] = None,
    merchant_order_no: Annotated[
        str | None, _filter("Merchant order number (商户订单号)", "M20181230101322001")
    ] = None,
    source: Annotated[
        str | None, _filter("Exchange source: bubble, telecom_points or e_coupon", "bubble")
    ] = None,
    status: Annotated[
        str | None, _filter("Voucher status: available, used, voided or expired", "available")
    ] = None,
    order_date_from: Annotated[
        str | None, _filter("First order day, YYYY-MM-DD, included", "2018-12-01")
    ] = None,
    order_date_to: Annotated[
        str | None, _filter("Last order day, YYYY-MM-DD, included", "2018-12-31")
    ] = None,
    limit: Annotated[str | None, _filter("Page size (default 20, at most 100)", "20")] = None,
    cursor: Annotated[str | None, _filter("next_cursor of the previous page", "")] = None,
) -> Response:
    """Find vouchers by any mix of filters, newest exchange first; phones masked."""
    return await call.forward()


@router.get(
    "/api/v1/vouchers/{code}",
    responses={200: {"model": VoucherDetailOut}, **errors(401, 403, 404, 503)},
)
async def voucher_detail(code: str, call: Call) -> Response:
    """One voucher with its operation records."""
    return await call.forward()


@router.get(
    "/api/v1/vouchers/{code}/operations",
    responses={200: {"model": OperationPageOut}, **errors(401, 403, 404, 503)},
)
async def voucher_operations(code: str, call: Call) -> Response:
    """The voucher's operation records (void, reversal), oldest first."""
    return await call.forward()


@router.post(
    "/api/v1/vouchers/{code}/void",
    responses={200: {"model": OperationStatusOut}, **errors(400, 401, 403, 404, 409, 422, 503)},
)
async def void_voucher(code: str, call: Call, body: Reason = None) -> Response:
    """Void one available voucher. Needs a reason and an Idempotency-Key."""
    return await call.forward(body)


@router.post(
    "/api/v1/orders/{merchant_order_no}/reversal",
    responses={200: {"model": OperationStatusOut}, **errors(400, 401, 403, 404, 409, 422, 503)},
)
async def reverse_order(merchant_order_no: str, call: Call, body: Reason = None) -> Response:
    """Reverse a whole order: void every voucher and refund its points to the source.

    Answers the final status if it finishes within a short wait, else ``pending``.
    Needs a reason and an Idempotency-Key.
    """
    return await call.forward(body)


@router.get(
    "/api/v1/operations/{operation_id}",
    responses={200: {"model": OperationViewOut}, **errors(401, 403, 404, 503)},
)
async def operation_status(operation_id: str, call: Call) -> Response:
    """Where an operation stands: pending, succeeded or failed (with its cause)."""
    return await call.forward()


@router.post(
    "/api/v1/operations/{operation_id}/retry",
    responses={200: {"model": OperationStatusOut}, **errors(400, 401, 403, 404, 409, 503)},
)
async def retry_operation(operation_id: str, call: Call, body: Reason = None) -> Response:
    """Retry the failed step of an operation. Needs an Idempotency-Key."""
    return await call.forward(body)
