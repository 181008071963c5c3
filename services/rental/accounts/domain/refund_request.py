"""Refunds the rental service asks the refund service for (seed 004 退款; DOMAIN.md 2 押金退还).

The money is held from the moment of the request, so it can be neither spent nor asked
for twice; the outcome releases it (paid) or restores it (rejected) exactly once. A
deposit refund is the whole deposit; a stored-value refund at most the balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.rental.accounts.domain.errors import (
    BalanceInsufficient,
    DepositRefundAmount,
    InvalidAmount,
    NoDeposit,
    NothingToPayBack,
    RefundOutcomeConflict,
)
from services.rental.accounts.domain.ledger import Books, check_amount
from shared.errors import ReasonRequired

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
    """What was held (left the balance or deposit)."""
    status: RefundStatus
    payout_cents: int
    """What the refund service pays: the amount less the bonus deducted and the fee."""
    bonus_deducted_cents: int = 0
    fee_cents: int = 0


@dataclass(frozen=True)
class Breakdown:
    """Seed 004: a refund goes back to the original account, possibly less a fee or less
    the promotional bonus given at the purchase (按照购买时的优惠)."""

    amount_cents: int
    bonus_deducted_cents: int
    fee_cents: int

    @property
    def payout_cents(self) -> int:
        return self.amount_cents - self.bonus_deducted_cents - self.fee_cents


def breakdown(
    kind: RefundKind, amount_cents: int, bonus_left_cents: int, fee_bps: int
) -> Breakdown:
    """What a refund of ``amount_cents`` pays back. A deposit is paid back whole. Of stored
    value, the bonus not yet given back comes first (it was never the customer's money),
    then the fee on the rest, rounded half up to the cent; nothing left to pay is refused."""
    if kind is RefundKind.DEPOSIT:
        return Breakdown(amount_cents, 0, 0)
    bonus = min(max(bonus_left_cents, 0), amount_cents)
    paid_for = amount_cents - bonus
    fee = (paid_for * fee_bps + 5_000) // 10_000
    result = Breakdown(amount_cents, bonus, fee)
    if result.payout_cents <= 0:
        raise NothingToPayBack(
            f"of {amount_cents} cents, {bonus} are the promotional bonus and {fee} the fee:"
            " nothing is left to pay back"
        )
    return result


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
    """An outcome must be about the refund we asked for (its payout), to the cent."""
    if (kind, user_id, amount_cents) != (pending.kind.value, pending.user_id, pending.payout_cents):
        raise RefundOutcomeConflict(
            f"the outcome of {pending.request_id} says {kind} {amount_cents} cents for {user_id};"
            f" we asked {pending.kind.value} {pending.payout_cents} cents for {pending.user_id}"
        )
