"""Refunds the rental service asks the refund service for (seed 004 退款; DOMAIN.md 2 押金退还).

The money is held from the moment of the request, so it can be neither spent nor asked
for twice; the outcome releases it (paid) or restores it (rejected) exactly once. A
deposit refund is the whole deposit; a stored-value refund at most the balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.rental.domain.account_errors import (
    BalanceInsufficient,
    DepositRefundAmount,
    InvalidAmount,
    NoDeposit,
    ReasonRequired,
    RefundOutcomeConflict,
)
from services.rental.domain.ledger import Books, check_amount

REQUESTER = "rental"


class RefundKind(StrEnum):
    DEPOSIT = "deposit"
    STORED_VALUE = "stored_value"


class RefundStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class PendingRefund:
    request_id: str
    user_id: str
    kind: RefundKind
    amount_cents: int
    status: RefundStatus


def request_id(kind: RefundKind, user_id: str, sequence: int) -> str:
    """Stable per refund: the refund service opens one refund per id however often asked."""
    return f"rental-{kind.value}-{user_id}-{sequence}"


def refund_amount(
    kind: RefundKind, books: Books, amount_cents: int | None, reason: str | None
) -> int:
    """The amount to hold and ask for; refused with a clear code when a rule is broken."""
    if not reason or not reason.strip():
        raise ReasonRequired("a refund needs a reason")
    if kind is RefundKind.DEPOSIT:
        if books.deposit_cents <= 0:
            raise NoDeposit("the account holds no deposit to refund")
        if amount_cents is not None and amount_cents != books.deposit_cents:
            raise DepositRefundAmount(
                f"a deposit refund is the whole deposit, {books.deposit_cents} cents,"
                f" not {amount_cents}"
            )
        return books.deposit_cents
    if amount_cents is None:
        if books.balance_cents <= 0:
            raise BalanceInsufficient("the account has no stored value to refund")
        return books.balance_cents
    if amount_cents <= 0:
        raise InvalidAmount("a refund is at least 1 cent")
    check_amount(amount_cents)
    if amount_cents > books.balance_cents:
        raise BalanceInsufficient(
            f"the balance is {books.balance_cents} cents; {amount_cents} cannot be refunded"
        )
    return amount_cents


def check_outcome(pending: PendingRefund, *, kind: str, user_id: str, amount_cents: int) -> None:
    """An outcome must be about the refund we asked for, to the cent."""
    if (kind, user_id, amount_cents) != (pending.kind.value, pending.user_id, pending.amount_cents):
        raise RefundOutcomeConflict(
            f"the outcome of {pending.request_id} says {kind} {amount_cents} cents for {user_id};"
            f" we asked {pending.kind.value} {pending.amount_cents} cents for {pending.user_id}"
        )
