from __future__ import annotations

from collections.abc import Callable

import pytest

from services.rental.accounts.domain import ledger
from services.rental.accounts.domain.errors import BalanceInsufficient, InvalidAmount
from services.rental.accounts.domain.ledger import Books, Effect, MovementKind
from shared.api import rental_accounts


def test_every_movement_moves_the_sums_by_its_effect() -> None:
    books = Books()
    steps: list[Callable[[Books], ledger.Movement]] = [
        lambda b: ledger.top_up(b, 10_000),
        lambda b: ledger.deposit_paid(b, 29_900),
        lambda b: ledger.charged(b, MovementKind.RENTAL_CHARGE, 300, from_balance=True),
        lambda b: ledger.charged(b, MovementKind.INSURANCE_FEE, 100, from_balance=False),
        lambda b: ledger.refund_held(b, 29_900, deposit=True),
        lambda b: ledger.refund_restored(b, 29_900, deposit=True),
        lambda b: ledger.refund_held(b, 5_000, deposit=False),
        lambda b: ledger.refund_paid(b, 5_000),
        lambda b: ledger.deposit_adjusted(b, 19_900),
    ]
    total = Books()
    for step in steps:
        movement = step(books)
        total = Books(
            total.balance_cents + movement.effect.balance_cents,
            total.deposit_cents + movement.effect.deposit_cents,
            total.held_cents + movement.effect.held_cents,
        )
        books = movement.after
        assert books == total  # the sums are always the sum of the deltas
    assert books == Books(balance_cents=4_700, deposit_cents=19_900, held_cents=0)


@pytest.mark.parametrize(
    "move",
    [
        lambda: ledger.charged(
            Books(200, 0, 0), MovementKind.RENTAL_CHARGE, 300, from_balance=True
        ),
        lambda: ledger.refund_held(Books(0, 100, 0), 200, deposit=True),
        lambda: ledger.refund_paid(Books(500, 0, 100), 200),
    ],
)
def test_nothing_goes_below_zero(move) -> None:
    with pytest.raises(BalanceInsufficient):
        move()


@pytest.mark.parametrize("amount", [0, -1, ledger.MAX_CENTS + 1])
def test_amounts_are_positive_whole_cents_within_bounds(amount: int) -> None:
    with pytest.raises(InvalidAmount):
        ledger.top_up(Books(), amount)


def test_a_deposit_change_records_the_difference_and_refuses_no_change() -> None:
    raised = ledger.deposit_adjusted(Books(deposit_cents=19_900), 29_900)
    assert (raised.amount_cents, raised.effect.deposit_cents) == (10_000, 10_000)
    lowered = ledger.deposit_adjusted(Books(deposit_cents=29_900), 0)
    assert (lowered.amount_cents, lowered.effect.deposit_cents) == (29_900, -29_900)
    with pytest.raises(InvalidAmount):
        ledger.deposit_adjusted(Books(deposit_cents=100), 100)


def test_a_fixed_charge_records_its_difference_without_touching_the_books() -> None:
    books = Books(balance_cents=500, deposit_cents=29_900)
    lowered = ledger.charge_corrected(books, 2_000, 300)
    assert lowered is not None
    assert (lowered.kind, lowered.amount_cents) == (MovementKind.RENTAL_CHARGE_LOWERED, 1_700)
    assert lowered.after == books and lowered.effect == Effect()
    raised = ledger.charge_corrected(books, None, 300)  # never charged before the fix
    assert raised is not None
    assert (raised.kind, raised.amount_cents) == (MovementKind.RENTAL_CHARGE_RAISED, 300)
    assert ledger.charge_corrected(books, 300, 300) is None
    assert ledger.charge_corrected(books, None, 0) is None
    assert MovementKind.RENTAL_CHARGE_LOWERED in ledger.OUTFLOWS
    assert MovementKind.RENTAL_CHARGE_RAISED not in ledger.OUTFLOWS


def test_the_api_refuses_what_the_ledger_would() -> None:
    assert rental_accounts.MAX_CENTS == ledger.MAX_CENTS
