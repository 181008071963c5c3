"""Rental accounts: deposits, stored value, top-ups, receipts, refunds, fund flows.

Every route forwards to the rental service under the same path minus ``/api/v1/rental``.
Money is integer cents (fen). The answer models document and do not filter. The CSV
export is streamed through as the service writes it, never held whole here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from services.gateway.answers import Answer
from services.gateway.api.models import errors
from services.gateway.calls import Call, path_on_service

router = APIRouter(tags=["rental accounts"])

CardState = Literal["active", "expired", "reported_lost", "frozen"]
RefundKind = Literal["deposit", "stored_value"]
Cents = Annotated[int, Field(gt=0, le=100_000_000, examples=[5000])]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Limit = Annotated[int | None, Query(ge=1, le=500, description="Page size")]
Cursor = Annotated[str | None, Query(description="The next_cursor of the previous page")]
DateFrom = Annotated[date, Query(description="Local date, inclusive", examples=["2026-11-01"])]
DateTo = Annotated[date, Query(description="Local date, inclusive", examples=["2026-11-30"])]
Kinds = Annotated[
    list[str] | None,
    Query(
        alias="kind",
        description="rental_charge, top_up, refund_paid, insurance_fee, deposit_paid;"
        " repeat for several; all when left out",
    ),
]
UserId = Annotated[str | None, Query(max_length=64)]
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The fund flows as CSV (UTF-8, headed)"}
}


class _Documented(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- bodies ------------------------------------------------------------------


class CardStateIn(BaseModel):
    state: CardState
    reason: Reason = Field(examples=["Customer reported the card lost by phone"])


class DepositIn(BaseModel):
    deposit_cents: Annotated[int, Field(ge=0, le=100_000_000, examples=[29900])]
    reason: Reason = Field(examples=["Student deposit standard, notice 2026-11"])


class RefundIn(BaseModel):
    kind: RefundKind
    amount_cents: Cents | None = Field(
        default=None,
        description="Stored value: at most the balance (all of it when left out). Deposit:"
        " the whole deposit (left out, or equal to it).",
    )
    reason: Reason = Field(examples=["Customer no longer uses the service"])
    proof: str | None = Field(default=None, max_length=500, description="What the customer showed")


class CodeIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=64)


class IdentityCheckIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=64)
    method: Literal["sms_code", "id_document", "face_match"]
    code: str | None = Field(default=None, max_length=12, description="For sms_code")
    document_last4: str | None = Field(
        default=None, max_length=4, description="For id_document and face_match"
    )


class TopUpIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=64)
    amount_cents: Cents
    confirmed_amount_cents: int = Field(
        ge=0, le=100_000_000, description="What the customer confirmed: must equal amount_cents"
    )
    verification_id: str = Field(description="From POST /api/v1/rental/topups/identity-checks")
    payment_method: Literal["cash", "bank_card", "wechat", "alipay"]
    payer_account: str = Field(min_length=1, max_length=40, examples=["6222020000001234"])


# --- answers -----------------------------------------------------------------


class RefundOut(_Documented):
    request_id: str
    kind: RefundKind
    amount_cents: int
    status: Literal["pending", "completed", "rejected"]
    reason: str
    requested_by: str
    requested_at: datetime
    outcome: str | None
    decided_by: str | None
    decided_at: datetime | None


class AccountOut(_Documented):
    balance_cents: int = Field(description="First: told to the customer before a top-up")
    balance_yuan: str
    deposit_cents: int
    held_cents: int = Field(description="Set aside for pending refunds")
    user_id: str
    card_state: CardState
    card_type: str
    registered: bool
    phone: str | None = Field(description="Masked")
    name: str | None
    limits: dict[str, int] = Field(description="per_top_up_cents, per_day_cents, count_per_day")
    today: dict[str, int] = Field(description="topped_up_cents, top_ups")
    refunds: list[RefundOut]


class MovementOut(_Documented):
    id: int
    kind: str
    amount_cents: int
    balance_delta: int
    deposit_delta: int
    held_delta: int
    balance_after: int
    deposit_after: int
    held_after: int
    reference: str
    actor: str
    reason: str | None
    at: datetime


class MovementPageOut(_Documented):
    items: list[MovementOut]
    next_cursor: str | None


class CardChangeOut(_Documented):
    old_state: str
    new_state: str
    reason: str
    actor: str
    at: datetime


class BooksOut(_Documented):
    balance_cents: int
    deposit_cents: int
    held_cents: int


class CodeSentOut(_Documented):
    id: str
    phone: str = Field(description="Masked")
    expires_at: datetime
    sms_dedupe_key: str


class VerificationOut(_Documented):
    verification_id: str
    user_id: str
    method: str
    verified_by: str
    expires_at: datetime


class ReceiptOut(_Documented):
    serial_no: str = Field(description="The transaction serial number (交易流水号)")
    user_id: str
    amount_cents: int
    amount_yuan: str
    at: datetime
    payment_method: str
    payer_account: str = Field(description="Masked")
    balance_before_cents: int
    balance_after_cents: int
    agent: str


class ReceiptPageOut(_Documented):
    items: list[ReceiptOut]
    next_cursor: str | None


class FundFlowOut(_Documented):
    id: int
    at: datetime
    user_id: str
    kind: str
    direction: Literal["in", "out"]
    amount_cents: int
    amount_yuan: str
    reference: str
    actor: str


class FundFlowTotalOut(_Documented):
    kind: str
    direction: Literal["in", "out"]
    count: int
    amount_cents: int
    amount_yuan: str


class FundFlowPageOut(_Documented):
    items: list[FundFlowOut]
    totals: list[FundFlowTotalOut] | None = Field(description="Whole filter; first page only")
    net_cents: int | None
    next_cursor: str | None


# --- accounts ----------------------------------------------------------------

_ACCOUNT = "/api/v1/rental/accounts/{user_id}"


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
    user_id: str, call: Call, limit: Limit = None, cursor: Cursor = None
) -> Response:
    """Every movement of the account (the append-only ledger), newest first."""
    return await call.forward()


@router.get(
    f"{_ACCOUNT}/card-changes",
    responses={200: {"model": list[CardChangeOut]}, **errors(401, 403, 503)},
)
async def card_changes(user_id: str, call: Call) -> Response:
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
    f"{_ACCOUNT}/refunds", responses={200: {"model": list[RefundOut]}, **errors(401, 403, 503)}
)
async def refunds(user_id: str, call: Call) -> Response:
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
    payer_account_short (402), device_fault (502)."""
    return await call.forward(body)


@router.get(
    "/api/v1/rental/topups", responses={200: {"model": ReceiptPageOut}, **errors(401, 403, 503)}
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
    got = await call.gateway.upstreams.download(
        call.rule.service,
        path_on_service(call.request, call.rule),
        query=call.request.url.query,
        actor=call.actor,
    )
    return got.response() if isinstance(got, Answer) else got
