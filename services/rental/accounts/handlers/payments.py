"""Payments the platform received (rental.payment.received.v1) into the ledger, once per
payment id: app top-ups, deposits, rental charges and insurance fees."""

from __future__ import annotations

from services.rental.accounts.domain import ledger
from services.rental.accounts.domain.errors import (
    BalanceInsufficient,
    BalanceNotYetThere,
    PaymentConflict,
)
from services.rental.accounts.domain.ledger import MovementKind
from services.rental.accounts.store import accounts as account_store
from services.rental.accounts.store import payments as store
from shared.contracts import PaymentReceived
from shared.unit_of_work import UnitOfWork

PLATFORM = "platform"
_KINDS = {
    "top_up": MovementKind.TOP_UP,
    "deposit": MovementKind.DEPOSIT_PAID,
    "rental_charge": MovementKind.RENTAL_CHARGE,
    "insurance_fee": MovementKind.INSURANCE_FEE,
}


def _movement(books: ledger.Books, payment: PaymentReceived) -> ledger.Movement:
    kind = _KINDS[payment.kind]
    if kind is MovementKind.TOP_UP:
        return ledger.top_up(books, payment.amount_cents)
    if kind is MovementKind.DEPOSIT_PAID:
        return ledger.deposit_paid(books, payment.amount_cents)
    return ledger.charged(books, kind, payment.amount_cents, from_balance=payment.from_balance)


async def record_payments(uow: UnitOfWork, payments: list[PaymentReceived]) -> None:
    # Accounts locked in user id order: two batches never wait on each other in a circle.
    for payment in sorted(payments, key=lambda p: (p.user_id, p.paid_at)):
        await record_payment(uow, payment)


async def record_payment(uow: UnitOfWork, payment: PaymentReceived) -> None:
    conn = uow.conn
    account = await account_store.lock(conn, payment.user_id)
    prior = await store.claim(
        conn,
        payment_id=payment.payment_id,
        user_id=payment.user_id,
        kind=payment.kind,
        amount_cents=payment.amount_cents,
        paid_at=payment.paid_at,
    )
    if prior is not None:
        facts = (prior.user_id, prior.kind, prior.amount_cents)
        if facts != (payment.user_id, payment.kind, payment.amount_cents):
            raise PaymentConflict(
                f"payment {payment.payment_id} arrived before as {facts}, now as"
                f" {(payment.user_id, payment.kind, payment.amount_cents)}"
            )
        return  # the same payment again (a new event id): already in the ledger
    try:
        movement = _movement(account.books, payment)
    except BalanceInsufficient as exc:
        # The platform says it took this from stored value we have not seen paid in:
        # a top-up still on its way. Park and retry; DLQ'd if it never comes.
        raise BalanceNotYetThere(exc.message) from exc
    await account_store.record(
        conn,
        payment.user_id,
        movement,
        reference=payment.payment_id,
        actor=PLATFORM,
        reason=payment.trip_id and f"trip {payment.trip_id}",
        at=payment.paid_at,
    )
