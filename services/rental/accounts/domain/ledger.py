"""The account's books: a balance, a deposit, money held for pending refunds, and the
append-only ledger of every movement whose deltas sum to them.

Each movement has a kind, a positive amount (what the fund flows report) and its effect
on the three sums. A movement that would take any of them below zero is refused:
balances are never negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.rental.accounts.domain.errors import BalanceInsufficient, InvalidAmount

MAX_CENTS = 100_000_000
"""A million yuan: far above any limit, a guard against a slipped digit."""


class MovementKind(StrEnum):
    TOP_UP = "top_up"
    """Stored value paid in, at the counter or in the app."""
    DEPOSIT_PAID = "deposit_paid"
    DEPOSIT_ADJUSTED = "deposit_adjusted"
    """The operations supervisor changed the deposit (with a reason)."""
    RENTAL_CHARGE = "rental_charge"
    RENTAL_CHARGE_RAISED = "rental_charge_raised"
    RENTAL_CHARGE_LOWERED = "rental_charge_lowered"
    """The exception fix recomputed a trip's charge: the difference, once per fix."""
    INSURANCE_FEE = "insurance_fee"
    REFUND_HELD = "refund_held"
    """Money moved aside while its refund is pending."""
    REFUND_PAID = "refund_paid"
    """The refund was paid out: the held money left."""
    REFUND_RESTORED = "refund_restored"
    """The refund was rejected: the held money went back where it came from."""
    TOP_UP_BONUS = "top_up_bonus"
    """The promotional bonus a counter top-up earned (stored value the customer did not pay)."""
    REFUND_BONUS_DEDUCTED = "refund_bonus_deducted"
    REFUND_FEE = "refund_fee"
    """The part of a paid stored-value refund's held money kept back: the bonus given back
    and the fee (seed 004)."""


FUND_FLOW_KINDS: tuple[MovementKind, ...] = (
    MovementKind.RENTAL_CHARGE,
    MovementKind.TOP_UP,
    MovementKind.REFUND_PAID,
    MovementKind.INSURANCE_FEE,
    MovementKind.DEPOSIT_PAID,
    MovementKind.RENTAL_CHARGE_RAISED,
    MovementKind.RENTAL_CHARGE_LOWERED,
)
"""Movements where money crossed between the user and the company (资金流水): rentals,
top-ups and refunds, insurance fees, deposits, and the exception fix's corrections of a
rental charge. Holds and deposit adjustments are internal."""

OUTFLOWS = frozenset({MovementKind.REFUND_PAID, MovementKind.RENTAL_CHARGE_LOWERED})


@dataclass(frozen=True)
class Books:
    balance_cents: int = 0
    deposit_cents: int = 0
    held_cents: int = 0


@dataclass(frozen=True)
class Effect:
    balance_cents: int = 0
    deposit_cents: int = 0
    held_cents: int = 0


@dataclass(frozen=True)
class Movement:
    kind: MovementKind
    amount_cents: int
    effect: Effect
    after: Books


def check_amount(amount_cents: int) -> int:
    if not 0 < amount_cents <= MAX_CENTS:
        raise InvalidAmount(f"an amount is 1 to {MAX_CENTS} cents, not {amount_cents}")
    return amount_cents


def apply(books: Books, kind: MovementKind, amount_cents: int, effect: Effect) -> Movement:
    """The movement and the books after it; refused if any sum would go below zero."""
    check_amount(amount_cents)
    after = Books(
        books.balance_cents + effect.balance_cents,
        books.deposit_cents + effect.deposit_cents,
        books.held_cents + effect.held_cents,
    )
    short = [
        name
        for name, value in (
            ("balance", after.balance_cents),
            ("deposit", after.deposit_cents),
            ("held money", after.held_cents),
        )
        if value < 0
    ]
    if short:
        raise BalanceInsufficient(
            f"{kind.value} of {amount_cents} cents would take the {' and '.join(short)}"
            f" below zero (balance {books.balance_cents}, deposit {books.deposit_cents},"
            f" held {books.held_cents})"
        )
    return Movement(kind, amount_cents, effect, after)


def top_up(books: Books, amount_cents: int) -> Movement:
    return apply(books, MovementKind.TOP_UP, amount_cents, Effect(balance_cents=amount_cents))


def top_up_bonus(books: Books, amount_cents: int) -> Movement:
    return apply(books, MovementKind.TOP_UP_BONUS, amount_cents, Effect(balance_cents=amount_cents))


def refund_kept(books: Books, kind: MovementKind, amount_cents: int) -> Movement:
    """Held money a paid refund keeps back (the bonus deducted, the fee): it leaves held."""
    assert kind in (MovementKind.REFUND_BONUS_DEDUCTED, MovementKind.REFUND_FEE)
    return apply(books, kind, amount_cents, Effect(held_cents=-amount_cents))


def deposit_paid(books: Books, amount_cents: int) -> Movement:
    return apply(books, MovementKind.DEPOSIT_PAID, amount_cents, Effect(deposit_cents=amount_cents))


def deposit_adjusted(books: Books, new_deposit_cents: int) -> Movement:
    if not 0 <= new_deposit_cents <= MAX_CENTS:
        raise InvalidAmount(f"a deposit is 0 to {MAX_CENTS} cents")
    delta = new_deposit_cents - books.deposit_cents
    if delta == 0:
        raise InvalidAmount(f"the deposit is already {new_deposit_cents} cents")
    return apply(books, MovementKind.DEPOSIT_ADJUSTED, abs(delta), Effect(deposit_cents=delta))


def charged(books: Books, kind: MovementKind, amount_cents: int, *, from_balance: bool) -> Movement:
    """A rental charge or insurance fee: from stored value, or paid through the provider
    (then recorded for the fund flows with no effect on the books)."""
    effect = Effect(balance_cents=-amount_cents) if from_balance else Effect()
    return apply(books, kind, amount_cents, effect)


def refund_held(books: Books, amount_cents: int, *, deposit: bool) -> Movement:
    source = Effect(deposit_cents=-amount_cents) if deposit else Effect(balance_cents=-amount_cents)
    effect = Effect(source.balance_cents, source.deposit_cents, amount_cents)
    return apply(books, MovementKind.REFUND_HELD, amount_cents, effect)


def refund_paid(books: Books, amount_cents: int) -> Movement:
    return apply(books, MovementKind.REFUND_PAID, amount_cents, Effect(held_cents=-amount_cents))


def refund_restored(books: Books, amount_cents: int, *, deposit: bool) -> Movement:
    back = Effect(deposit_cents=amount_cents) if deposit else Effect(balance_cents=amount_cents)
    effect = Effect(back.balance_cents, back.deposit_cents, -amount_cents)
    return apply(books, MovementKind.REFUND_RESTORED, amount_cents, effect)


def charge_corrected(books: Books, before_cents: int | None, after_cents: int) -> Movement | None:
    """The exception fix's correction of a trip's charge: the difference between the charge
    before (None: the trip was never charged) and after, or None when it did not change.

    Like a rental charge paid through the provider it has no effect on the books: the
    platform settles the difference with the customer; the ledger records it for the
    fund flows.
    """
    delta = after_cents - (before_cents or 0)
    if delta == 0:
        return None
    kind = MovementKind.RENTAL_CHARGE_RAISED if delta > 0 else MovementKind.RENTAL_CHARGE_LOWERED
    return apply(books, kind, abs(delta), Effect())


@dataclass(frozen=True)
class PaymentSeen:
    """A payment the platform reported, as first recorded: a repeat must say the same."""

    payment_id: str
    user_id: str
    kind: str
    amount_cents: int
