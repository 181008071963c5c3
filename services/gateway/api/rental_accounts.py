"""Rental accounts: deposits, stored value, top-ups, receipts, refunds, fund flows.

Every route forwards to the rental service under the same path minus ``/api/v1/rental``.
Money is integer cents (fen). The models are the service's own
(``shared/api/rental_accounts.py``); they document and do not filter. The CSV
export is streamed through as the service writes it, never held whole here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.gateway.answers import Answer
from services.gateway.api.models import errors
from services.gateway.calls import Call, path_on_service
from shared.api.rental_accounts import (
    AccountOut,
    AccountPageOut,
    Book,
    BooksOut,
    CardChangeOut,
    CardChangePageOut,
    CardStateIn,
    CodeIn,
    CodeSentOut,
    DepositIn,
    FundFlowPageOut,
    IdentityCheckIn,
    MovementPageOut,
    ReceiptOut,
    ReceiptPageOut,
    RefundIn,
    RefundOut,
    RefundPageOut,
    TopUpIn,
    VerificationOut,
)

router = APIRouter(tags=["rental accounts"])

Limit = Annotated[int | None, Query(ge=1, le=500, description="Page size")]
Cursor = Annotated[str | None, Query(description="The next_cursor of the previous page")]
DateFrom = Annotated[date, Query(description="Local date, inclusive", examples=["2026-11-01"])]
DateTo = Annotated[date, Query(description="Local date, inclusive", examples=["2026-11-30"])]
Kinds = Annotated[
    list[str] | None,
    Query(
        alias="kind",
        description="rental_charge, top_up, refund_paid, insurance_fee, deposit_paid,"
        " rental_charge_raised, rental_charge_lowered;"
        " repeat for several; all when left out",
    ),
]
UserId = Annotated[str | None, Query(max_length=64)]
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The fund flows as CSV (UTF-8, headed)"}
}


# --- accounts ----------------------------------------------------------------

_ACCOUNT = "/api/v1/rental/accounts/{user_id}"


@router.get(
    "/api/v1/rental/accounts",
    responses={200: {"model": AccountPageOut}, **errors(401, 403, 422, 503)},
)
async def accounts(
    call: Call,
    phone: Annotated[
        str | None,
        Query(description="The whole phone number, or its last four digits", examples=["8000"]),
    ] = None,
    name: Annotated[
        str | None, Query(description="The beginning of the registered name: a surname, or more")
    ] = None,
    user_id: UserId = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """The account list (账户列表): customers with their balance and deposit, newest
    registration first."""
    return await call.forward()


@router.get(_ACCOUNT, responses={200: {"model": AccountOut}, **errors(401, 403, 404, 503)})
async def account(user_id: str, call: Call) -> Response:
    """The customer's account, balance first: deposit, held money, card state and type,
    the card type's limits and today's top-ups, refunds."""
    return await call.forward()


@router.get(
    f"{_ACCOUNT}/movements",
    responses={200: {"model": MovementPageOut}, **errors(401, 403, 422, 503)},
)
async def movements(
    user_id: str,
    call: Call,
    limit: Limit = None,
    cursor: Cursor = None,
    book: Annotated[
        Book | None,
        Query(description="Only the movements that changed this sum: balance, deposit or held"),
    ] = None,
) -> Response:
    """Every movement of the account (the append-only ledger), newest first; with ``book``
    only those that changed that sum (the deposit's history: ``book=deposit``)."""
    return await call.forward()


@router.get(
    f"{_ACCOUNT}/card-changes",
    responses={200: {"model": CardChangePageOut}, **errors(401, 403, 422, 503)},
)
async def card_changes(
    user_id: str, call: Call, limit: Limit = None, cursor: Cursor = None
) -> Response:
    """Every change of the card's state: who, when, why."""
    return await call.forward()


@router.post(
    f"{_ACCOUNT}/card-state",
    responses={200: {"model": CardChangeOut}, **errors(401, 403, 404, 409, 422, 503)},
)
async def card_state(user_id: str, body: CardStateIn, call: Call) -> Response:
    """Freeze, report lost, expire or reactivate the card (409 card_transition_invalid)."""
    return await call.forward(body)


@router.post(
    f"{_ACCOUNT}/deposit",
    responses={200: {"model": BooksOut}, **errors(400, 401, 403, 404, 409, 422, 503)},
)
async def deposit(user_id: str, body: DepositIn, call: Call) -> Response:
    """Set the deposit (押金修改), with a reason: operations supervisors only."""
    return await call.forward(body)


@router.get(
    f"{_ACCOUNT}/refunds",
    responses={200: {"model": RefundPageOut}, **errors(401, 403, 422, 503)},
)
async def refunds(user_id: str, call: Call, limit: Limit = None, cursor: Cursor = None) -> Response:
    """The account's refund requests and their outcomes."""
    return await call.forward()


@router.post(
    f"{_ACCOUNT}/refunds",
    status_code=202,
    responses={202: {"model": RefundOut}, **errors(400, 401, 403, 404, 409, 422, 503)},
)
async def request_refund(user_id: str, body: RefundIn, call: Call) -> Response:
    """Ask for a deposit or stored-value refund; the money is held until the refund
    service's answer (refund_pending, deposit_refund_amount_mismatch, balance_insufficient)."""
    return await call.forward(body)


# --- top-ups -----------------------------------------------------------------


@router.post(
    "/api/v1/rental/topups/codes",
    status_code=201,
    responses={201: {"model": CodeSentOut}, **errors(401, 403, 404, 409, 429, 503)},
)
async def send_code(body: CodeIn, call: Call) -> Response:
    """Send the customer's registered phone a top-up code by SMS."""
    return await call.forward(body)


@router.post(
    "/api/v1/rental/topups/identity-checks",
    status_code=201,
    responses={201: {"model": VerificationOut}, **errors(401, 403, 404, 422, 503)},
)
async def identity_check(body: IdentityCheckIn, call: Call) -> Response:
    """Verify the customer by the code they read out (422 verification_code_invalid) or an
    ID document / face check; good for one top-up for a few minutes."""
    return await call.forward(body)


@router.post(
    "/api/v1/rental/topups",
    status_code=201,
    responses={201: {"model": ReceiptOut}, **errors(400, 401, 402, 403, 409, 422, 502, 503)},
)
async def top_up(body: TopUpIn, call: Call) -> Response:
    """Top up at the counter and answer the receipt. Refusals change nothing:
    identity_not_verified, card_expired, card_reported_lost, card_frozen, amount_mismatch,
    amount_over_limit, daily_amount_over_limit, daily_count_over_limit,
    payer_account_short (402), device_fault (502). The device is asked outside any
    transaction: 503 top_up_in_progress while it charges, 502 top_up_unconfirmed when it
    gave no answer (retry with the same Idempotency-Key: it is never charged twice)."""
    return await call.forward(body)


@router.get(
    "/api/v1/rental/topups",
    responses={200: {"model": ReceiptPageOut}, **errors(401, 403, 422, 503)},
)
async def receipts(
    call: Call,
    user_id: UserId = None,
    date_from: Annotated[date | None, Query(description="Local date, inclusive")] = None,
    date_to: Annotated[date | None, Query(description="Local date, inclusive")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Top-up receipts (交易凭证), newest first."""
    return await call.forward()


@router.get(
    "/api/v1/rental/topups/{serial_no}/receipt.html",
    responses={
        200: {"content": {"text/html": {}}, "description": "The receipt as a page to print"},
        **errors(401, 403, 404, 503),
    },
)
async def receipt_page(serial_no: str, call: Call) -> Response:
    """The receipt (交易凭证) as a printable page: 80 mm receipt paper, print CSS."""
    return await passed_through(call)


@router.get(
    "/api/v1/rental/topups/{serial_no}",
    responses={200: {"model": ReceiptOut}, **errors(401, 403, 404, 503)},
)
async def receipt(serial_no: str, call: Call) -> Response:
    """One receipt by its serial number."""
    return await call.forward()


# --- fund flows --------------------------------------------------------------


@router.get(
    "/api/v1/rental/fund-flows",
    responses={200: {"model": FundFlowPageOut}, **errors(401, 403, 422, 503)},
)
async def fund_flows(
    call: Call,
    date_from: DateFrom,
    date_to: DateTo,
    kinds: Kinds = None,
    user_id: UserId = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Fund flows (资金流水) oldest first, with totals per kind over the whole filter."""
    return await call.forward()


@router.get("/api/v1/rental/fund-flows/export.csv", responses={**CSV, **errors(401, 403, 422, 503)})
async def export_fund_flows(
    call: Call,
    date_from: DateFrom,
    date_to: DateTo,
    kinds: Kinds = None,
    user_id: UserId = None,
) -> Response:
    """The fund flows as CSV, streamed through as the service writes them."""
    return await passed_through(call)


async def passed_through(call: Call) -> Response:
    """The service's answer as it wrote it (a CSV, a page), streamed, never held here."""
    got = await call.gateway.upstreams.download(
        call.rule.service,
        path_on_service(call.request, call.rule),
        query=call.request.url.query,
        actor=call.actor,
    )
    return got.response() if isinstance(got, Answer) else got
