"""The internal HTTP API the gateway forwards ``/api/v1/...`` to. Routes stay thin:
parse, call one use case or view, answer."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse

from services.voucher.domain.errors import OperationNotFound
from services.voucher.domain.query import parse_query
from services.voucher.handlers.deps import Deps
from services.voucher.handlers.retry import retry_operation
from services.voucher.handlers.reversal import start_reversal
from services.voucher.handlers.void import void_voucher
from services.voucher.views import (
    list_vouchers,
    operation_status,
    operation_view,
    voucher_detail,
    voucher_operations,
)
from shared.api.voucher import (
    OperationPageOut,
    OperationStatusOut,
    OperationViewOut,
    ReasonIn,
    VoucherDetailOut,
    VoucherPageOut,
)
from shared.http import CurrentActor, IdempotencyKey

router = APIRouter()


async def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


VoucherDeps = Annotated[Deps, Depends(_deps)]


OptionalReason = Annotated[ReasonIn | None, Body()]


def _operation_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise OperationNotFound(f"no operation {raw}") from None


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    report: dict[str, Any] = await request.app.state.platform.health()
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


@router.get("/vouchers")
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
    async with deps.commands.admit():
        outcome = await void_voucher(
            deps,
            code=code,
            reason=body.reason if body else None,
            actor=actor,
            idempotency_key=idempotency_key,
        )
    return operation_status(outcome)


@router.post("/orders/{merchant_order_no}/reversal")
async def post_reversal(
    merchant_order_no: str,
    deps: VoucherDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
    body: OptionalReason = None,
) -> OperationStatusOut:
    async with deps.commands.admit():
        outcome = await start_reversal(
            deps,
            merchant_order_no=merchant_order_no,
            reason=body.reason if body else None,
            actor=actor,
            idempotency_key=idempotency_key,
        )
    return operation_status(outcome)


@router.get("/operations/{operation_id}")
async def get_operation(operation_id: str, deps: VoucherDeps) -> OperationViewOut:
    return await operation_view(deps.pool, _operation_id(operation_id), deps.settings.tz)


@router.post("/operations/{operation_id}/retry")
async def post_retry(
    operation_id: str,
    deps: VoucherDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
    body: OptionalReason = None,
) -> OperationStatusOut:
    async with deps.commands.admit():
        outcome = await retry_operation(
            deps,
            _operation_id(operation_id),
            actor=actor,
            reason=body.reason if body else None,
            idempotency_key=idempotency_key,
        )
    return operation_status(outcome)
