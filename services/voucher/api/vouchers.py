"""Vouchers: the list an agent searches, one voucher with its records, a void."""

from __future__ import annotations

from fastapi import APIRouter

from services.voucher.api.common import OptionalReason, VoucherDeps, admitted, reason_of
from services.voucher.api.views import (
    list_vouchers,
    voucher_detail,
    voucher_operations,
)
from services.voucher.domain.query import parse_query
from services.voucher.handlers.void import void_voucher
from shared.api.voucher import (
    OperationPageOut,
    OperationStatusOut,
    VoucherDetailOut,
    VoucherPageOut,
)
from shared.direct_routes import answered_directly
from shared.http import CurrentActor, IdempotencyKey

router = APIRouter()


@router.get("/vouchers")
@answered_directly  # the agents' search: past FastAPI's routing (shared/direct_routes.py)
async def get_vouchers(
    deps: VoucherDeps,
    actor: CurrentActor,
    phone: str | None = None,
    user_id: str | None = None,
    code: str | None = None,
    merchant_order_no: str | None = None,
    source: str | None = None,
    status: str | None = None,
    order_date_from: str | None = None,
    order_date_to: str | None = None,
    limit: str | None = None,
    cursor: str | None = None,
) -> VoucherPageOut:
    """Vouchers matching every given filter, newest exchange first, a page at a time.

    Each voucher's ``actions`` are the commands the caller (the roles of the gateway's
    signed token) could run on it now: the same rules the void and the reversal check."""
    tz = deps.settings.tz
    query = parse_query(
        {
            "phone": phone,
            "user_id": user_id,
            "code": code,
            "merchant_order_no": merchant_order_no,
            "source": source,
            "status": status,
            "order_date_from": order_date_from,
            "order_date_to": order_date_to,
            "limit": limit,
            "cursor": cursor,
        },
        tz,
    )
    return await list_vouchers(deps.pool, query, actor.roles, deps.today(), tz)


@router.get("/vouchers/{code}")
async def get_voucher(code: str, deps: VoucherDeps, actor: CurrentActor) -> VoucherDetailOut:
    return await voucher_detail(deps.pool, code, actor.roles, deps.today(), deps.settings.tz)


@router.get("/vouchers/{code}/operations")
async def get_voucher_operations(code: str, deps: VoucherDeps) -> OperationPageOut:
    return await voucher_operations(deps.pool, code, deps.settings.tz)


@router.post("/vouchers/{code}/void")
async def post_void(
    code: str,
    deps: VoucherDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
    body: OptionalReason = None,
) -> OperationStatusOut:
    return await admitted(
        deps,
        lambda: void_voucher(
            deps,
            code=code,
            reason=reason_of(body),
            actor=actor,
            idempotency_key=idempotency_key,
        ),
    )
