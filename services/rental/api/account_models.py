"""Request and answer bodies of the accounts API. Money is integer cents (fen); each
amount also comes as a ``*_yuan`` string for display, never as a float."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.rental.domain.card import CardState
from services.rental.domain.fund_flow import yuan
from services.rental.domain.ledger import MAX_CENTS
from services.rental.domain.refund_request import RefundKind
from services.rental.domain.topup import PaymentMethod
from services.rental.domain.topup_identity import IdentityMethod

Cents = Annotated[int, Field(gt=0, le=MAX_CENTS, examples=[5000])]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class LimitsOut(BaseModel):
    per_top_up_cents: int
    per_day_cents: int
    count_per_day: int


class TodayOut(BaseModel):
    topped_up_cents: int
    top_ups: int


class RefundOut(BaseModel):
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


class AccountOut(BaseModel):
    balance_cents: int
    """First, as the seed asks: the agent tells the customer the balance before a top-up."""
    balance_yuan: str
    deposit_cents: int
    held_cents: int
    """Money set aside for pending refunds."""
    user_id: str
    card_state: CardState
    card_type: str
    registered: bool
    phone: str | None
    """Masked."""
    name: str | None
    limits: LimitsOut
    today: TodayOut
    refunds: list[RefundOut]


class MovementOut(BaseModel):
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


class MovementPageOut(BaseModel):
    items: list[MovementOut]
    next_cursor: str | None


class CardStateIn(BaseModel):
    state: CardState
    reason: Reason


class CardChangeOut(BaseModel):
    old_state: str
    new_state: str
    reason: str
    actor: str
    at: datetime


class DepositIn(BaseModel):
    deposit_cents: Annotated[int, Field(ge=0, le=MAX_CENTS, examples=[29900])]
    reason: Reason


class BooksOut(BaseModel):
    balance_cents: int
    deposit_cents: int
    held_cents: int


class RefundIn(BaseModel):
    kind: RefundKind
    amount_cents: Cents | None = None
    """Stored value: at most the balance, the whole balance when left out. Deposit: the
    whole deposit (left out, or equal to it)."""
    reason: Reason
    proof: Annotated[str | None, Field(max_length=500)] = None
    """What the customer showed (a receipt number, a photo reference)."""


class CodeIn(BaseModel):
    user_id: Annotated[str, Field(min_length=1, max_length=64)]


class CodeSentOut(BaseModel):
    id: str
    phone: str
    """Masked."""
    expires_at: datetime
    sms_dedupe_key: str


class IdentityCheckIn(BaseModel):
    user_id: Annotated[str, Field(min_length=1, max_length=64)]
    method: IdentityMethod
    code: Annotated[str | None, Field(max_length=12)] = None
    """The code the customer reads out (method sms_code)."""
    document_last4: Annotated[str | None, Field(max_length=4)] = None
    """The last four characters of the ID document checked (id_document, face_match)."""


class VerificationOut(BaseModel):
    verification_id: str
    user_id: str
    method: IdentityMethod
    verified_by: str
    expires_at: datetime


class TopUpIn(BaseModel):
    user_id: Annotated[str, Field(min_length=1, max_length=64)]
    amount_cents: Cents
    confirmed_amount_cents: Annotated[int, Field(ge=0, le=MAX_CENTS)]
    """The amount the customer confirmed: must equal ``amount_cents``."""
    verification_id: str
    payment_method: PaymentMethod
    payer_account: Annotated[str, Field(min_length=1, max_length=40, examples=["6222020000001234"])]
    """The paying card or wallet account (masked in every answer)."""


class ReceiptOut(BaseModel):
    serial_no: str
    """The transaction serial number (交易流水号)."""
    user_id: str
    amount_cents: int
    amount_yuan: str
    at: datetime
    payment_method: str
    payer_account: str
    """Masked."""
    balance_before_cents: int
    balance_after_cents: int
    agent: str


class ReceiptPageOut(BaseModel):
    items: list[ReceiptOut]
    next_cursor: str | None


class FundFlowOut(BaseModel):
    id: int
    at: datetime
    user_id: str
    kind: str
    direction: Literal["in", "out"]
    amount_cents: int
    amount_yuan: str
    reference: str
    actor: str


class FundFlowTotalOut(BaseModel):
    kind: str
    direction: Literal["in", "out"]
    count: int
    amount_cents: int
    amount_yuan: str


class FundFlowPageOut(BaseModel):
    items: list[FundFlowOut]
    totals: list[FundFlowTotalOut] | None
    """Over the whole filter (every page), on the first page only; null on later pages."""
    net_cents: int | None
    """Money in minus money out over the whole filter (first page only)."""
    next_cursor: str | None


def money(cents: int) -> str:
    return yuan(cents)
