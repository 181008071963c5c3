"""The rental service's accounts API bodies and answers: accounts and their ledger, card
states, deposits, refunds, counter top-ups and receipts, fund flows.

Money is integer cents (fen); each amount shown to a person also comes as a ``*_yuan``
string, never a float. The rental service validates and answers with these; the gateway
declares them for its OpenAPI document and passes the service's JSON on as it came.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shared.api.base import ApiModel, BodyModel
from shared.paging import PageOut
from shared.timestamps import Timestamp

MAX_CENTS = 100_000_000
"""A million yuan: far above any limit, a guard against a slipped digit."""

Cents = Annotated[int, Field(gt=0, le=MAX_CENTS, examples=[5000])]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
UserId = Annotated[str, Field(min_length=1, max_length=64)]
CardState = Literal["active", "expired", "reported_lost", "frozen"]
RefundKind = Literal["deposit", "stored_value"]
PaymentMethod = Literal["cash", "bank_card", "wechat", "alipay"]
IdentityMethod = Literal["sms_code", "id_document", "face_match"]
Direction = Literal["in", "out"]
Book = Literal["balance", "deposit", "held"]
"""One of the account's three sums: a movement that changed it is in that sum's history."""
AccountAction = Literal[
    "top_up",
    "change_deposit",
    "refund_deposit",
    "refund_stored_value",
    "activate_card",
    "freeze_card",
    "report_card_lost",
    "expire_card",
]


# --- bodies ------------------------------------------------------------------


class CardStateIn(BodyModel):
    state: CardState
    reason: Reason = Field(examples=["Customer reported the card lost by phone"])


class DepositIn(BodyModel):
    deposit_cents: Annotated[int, Field(ge=0, le=MAX_CENTS, examples=[29900])]
    reason: Reason = Field(examples=["Student deposit standard, notice 2026-11"])


class RefundIn(BodyModel):
    kind: RefundKind
    amount_cents: Cents | None = Field(
        default=None,
        description="Stored value: at most the balance (all of it when left out). Deposit:"
        " the whole deposit (left out, or equal to it).",
    )
    reason: Reason = Field(examples=["Customer no longer uses the service"])
    proof: str | None = Field(
        default=None,
        max_length=500,
        description="What the customer showed (a receipt number, a photo reference)",
    )


class CodeIn(BodyModel):
    user_id: UserId


class IdentityCheckIn(BodyModel):
    user_id: UserId
    method: IdentityMethod
    code: str | None = Field(
        default=None, max_length=12, description="The code the customer reads out (sms_code)"
    )
    document_last4: str | None = Field(
        default=None,
        max_length=4,
        description="The last four characters of the ID document checked (id_document, face_match)",
    )


class TopUpIn(BodyModel):
    user_id: UserId
    amount_cents: Cents
    confirmed_amount_cents: int = Field(
        ge=0, le=MAX_CENTS, description="What the customer confirmed: must equal amount_cents"
    )
    verification_id: str = Field(description="From POST /api/v1/rental/topups/identity-checks")
    payment_method: PaymentMethod
    payer_account: str = Field(
        min_length=1,
        max_length=40,
        examples=["6222020000001234"],
        description="The paying card or wallet account (masked in every answer)",
    )


# --- answers -----------------------------------------------------------------


class LimitsOut(ApiModel):
    per_top_up_cents: int
    per_day_cents: int
    count_per_day: int


class TodayOut(ApiModel):
    topped_up_cents: int
    top_ups: int


class RefundOut(ApiModel):
    request_id: str
    kind: RefundKind
    amount_cents: int = Field(description="What left the balance or deposit (held meanwhile)")
    bonus_deducted_cents: int = Field(
        description="The promotional bonus given back (stored value; seed 004 按购买时的优惠)"
    )
    fee_cents: int = Field(description="The refund fee (stored value)")
    payout_cents: int = Field(description="What is paid back: amount less bonus and fee")
    payout_method: str | None = Field(
        description="Where it goes back: the original payment's method; null for the"
        " platform's own channel"
    )
    payout_account: str | None = Field(description="The original paying account, masked")
    status: Literal["pending", "completed", "rejected"]
    reason: str
    requested_by: str
    requested_at: Timestamp
    outcome: str | None
    decided_by: str | None
    decided_at: Timestamp | None


class RefundPageOut(PageOut):
    items: list[RefundOut] = Field(description="Newest request first")


class AccountOut(ApiModel):
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
    limits: LimitsOut
    today: TodayOut
    refunds: list[RefundOut]
    actions: list[AccountAction] = Field(
        description="What the caller may do on the account now (their roles, the card's"
        " state, pending refunds, what a refund would pay back): each offered command is"
        " accepted for this state; the amount and reason are the command's own checks",
        examples=[["top_up", "refund_stored_value", "freeze_card"]],
    )


class AccountSummaryOut(ApiModel):
    """One row of the account list (账户列表)."""

    user_id: str
    phone: str = Field(description="Masked: 138****8000")
    name: str
    card_type: str
    card_state: CardState
    balance_cents: int
    balance_yuan: str
    deposit_cents: int
    deposit_yuan: str
    held_cents: int = Field(description="Set aside for pending refunds")
    registered_at: Timestamp
    blacklisted: bool


class AccountPageOut(PageOut):
    items: list[AccountSummaryOut] = Field(description="Newest registration first")


class MovementOut(ApiModel):
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
    at: Timestamp


class MovementPageOut(PageOut):
    items: list[MovementOut] = Field(description="Newest first")


class CardChangeOut(ApiModel):
    old_state: str
    new_state: str
    reason: str
    actor: str
    at: Timestamp


class CardChangePageOut(PageOut):
    items: list[CardChangeOut] = Field(description="Newest first")


class BooksOut(ApiModel):
    balance_cents: int
    deposit_cents: int
    held_cents: int


class CodeSentOut(ApiModel):
    id: str
    phone: str = Field(description="Masked")
    expires_at: Timestamp
    sms_dedupe_key: str


class VerificationOut(ApiModel):
    verification_id: str
    user_id: str
    method: IdentityMethod
    verified_by: str
    expires_at: Timestamp


class ReceiptOut(ApiModel):
    serial_no: str = Field(description="The transaction serial number (交易流水号)")
    user_id: str
    amount_cents: int
    amount_yuan: str
    at: Timestamp
    payment_method: str
    payer_account: str = Field(description="Masked")
    balance_before_cents: int
    balance_after_cents: int = Field(description="After the top-up and its bonus")
    bonus_cents: int = Field(description="The promotional bonus it earned (充值优惠)")
    agent: str


class ReceiptPageOut(PageOut):
    items: list[ReceiptOut] = Field(description="Newest first")


class FundFlowOut(ApiModel):
    id: int
    at: Timestamp
    user_id: str
    kind: str
    direction: Direction
    amount_cents: int
    amount_yuan: str
    reference: str
    actor: str


class FundFlowTotalOut(ApiModel):
    kind: str
    direction: Direction
    count: int
    amount_cents: int
    amount_yuan: str


class FundFlowPageOut(PageOut):
    items: list[FundFlowOut] = Field(description="Oldest first")
    totals: list[FundFlowTotalOut] | None = Field(
        description="Over the whole filter (every page), on the first page only"
    )
    net_cents: int | None = Field(
        description="Money in minus money out over the whole filter (first page only)"
    )
