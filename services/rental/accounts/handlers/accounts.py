"""Accounts: the view an agent opens (balance first), the card's state, the deposit."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import asyncpg

from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.domain import ledger
from services.rental.accounts.domain.actions import (
    AccountFacts,
    card_change_refusal,
    deposit_change_refusal,
)
from services.rental.accounts.domain.card import CardState, transition
from services.rental.accounts.domain.errors import (
    AccountNotFound,
    SupervisorRequired,
)
from services.rental.accounts.domain.ledger import Books
from services.rental.accounts.domain.refund_request import RefundKind
from services.rental.accounts.domain.stored import Account, RefundRequest
from services.rental.accounts.domain.topup import local_day_bounds
from services.rental.accounts.domain.topup_limits import DayUsage, TopUpLimits, limits_for
from services.rental.accounts.store import accounts as store
from services.rental.accounts.store import refunds as refund_store
from services.rental.accounts.store import topup_charges as charge_store
from services.rental.domain.permissions import role_refusal
from shared import idempotency, metrics
from shared.db.pool import read_snapshot
from shared.errors import ReasonRequired
from shared.http import Actor
from shared.idempotency import Answer, Command


@dataclass(frozen=True)
class AccountView:
    user_id: str
    books: Books
    card_state: str
    card_type: str
    registered: bool
    phone: str | None
    name: str | None
    limits: TopUpLimits
    today: DayUsage
    refunds: list[RefundRequest]
    facts: AccountFacts


async def view(deps: AccountDeps, user_id: str) -> AccountView:
    """The account; a registered user with no movement yet has an empty, active one.

    One snapshot for every part: read apart, a refund's outcome committing in between
    showed the refund completed beside a deposit still held."""
    async with read_snapshot(deps.pool) as conn:
        row = await store.view(conn, user_id)
        user = await store.user(conn, user_id)
        if row is None and user is None:
            raise AccountNotFound(f"no account or registered user {user_id}")
        card_type = (user.card_type if user is not None else None) or "standard"
        books = row.books if row is not None else Books()
        card_state = CardState(row.card_state) if row is not None else CardState.ACTIVE
        refunds = await refund_store.of_user(conn, user_id)
        facts = AccountFacts(
            books,
            card_state,
            frozenset(RefundKind(r.kind) for r in refunds if r.status == "pending"),
            await refund_store.bonus_left(conn, user_id),
            deps.settings.rental_refund_fee_bps,
        )
        start, end = local_day_bounds(deps.clock(), deps.tz)
        return AccountView(
            user_id=user_id,
            books=books,
            card_state=card_state.value,
            card_type=card_type,
            registered=user is not None,
            phone=user.phone if user is not None else None,
            name=user.name if user is not None else None,
            limits=limits_for(card_type, deps.limits),
            today=await charge_store.day_usage(conn, user_id, start, end),
            refunds=refunds,
            facts=facts,
        )


async def _existing(conn: asyncpg.Connection, user_id: str) -> Account:
    if await store.view(conn, user_id) is None and await store.user(conn, user_id) is None:
        raise AccountNotFound(f"no account or registered user {user_id}")
    return await store.lock(conn, user_id)


async def change_card_state(
    deps: AccountDeps,
    *,
    user_id: str,
    state: CardState,
    reason: str | None,
    actor: str,
    roles: frozenset[str],
    idempotency_key: str | None = None,
) -> CardState:
    """The same Idempotency-Key answers the card as it is and changes nothing; with another
    state or reason, 422 ``idempotency_key_reused``."""
    async with deps.unit() as uow:
        conn = uow.conn
        claimed = None
        if idempotency_key is not None:
            command = Command("card_state", user_id, {"state": state.value, "reason": reason})
            claimed = await idempotency.claim(conn, idempotency_key, command, user_id)
        account = await _existing(conn, user_id)
        current = CardState(account.card_state)
        if claimed is not None:
            return current  # the same command again: its change was made
        refusal = card_change_refusal(roles, current, state)
        if refusal is not None:
            raise refusal
        new = transition(current, state, reason)
        assert reason is not None
        await store.set_card_state(
            conn, user_id, current, new, reason=reason.strip(), actor=actor, at=uow.now()
        )
        return new


async def change_deposit(
    deps: AccountDeps,
    *,
    user_id: str,
    deposit_cents: int,
    reason: str | None,
    actor: Actor,
    idempotency_key: str | None,
) -> Books:
    """Set the deposit (押金修改): the operations supervisor's right alone, with a reason,
    recorded in the ledger as the difference."""
    if role_refusal("change_deposit", actor.roles) is not None:  # before any read
        raise SupervisorRequired("only an operations supervisor may change a deposit")
    if not reason or not reason.strip():
        raise ReasonRequired("a deposit change needs a reason")
    async with deps.unit() as uow:
        conn = uow.conn
        prior = None
        if idempotency_key is not None:
            command = Command(
                "deposit_change", user_id, {"deposit_cents": deposit_cents, "reason": reason}
            )
            prior = await idempotency.claim(conn, idempotency_key, command, user_id)
            if prior is not None and prior.answer is not None:
                return Books(**prior.answer.body)  # the same command again: its first answer
        account = await _existing(conn, user_id)
        books = account.books
        if prior is not None:
            return books  # a key kept before answers were (migration 0055): the books now
        facts = AccountFacts(
            books, CardState(account.card_state), await refund_store.pending_kinds(conn, user_id)
        )
        refusal = deposit_change_refusal(actor.roles, facts)
        if refusal is not None:
            raise refusal
        # The ledger's (kind, reference) is unique: the money rule that one change moves the
        # deposit once, whatever the key path does.
        reference = f"deposit-change:{user_id}:{idempotency_key or account.movements}"
        movement = ledger.deposit_adjusted(books, deposit_cents)
        await store.record(
            conn,
            user_id,
            movement,
            reference=reference,
            actor=actor.username,
            reason=reason.strip(),
            at=uow.now(),
        )
        if idempotency_key is not None:
            answer = Answer(200, dataclasses.asdict(movement.after))
            await idempotency.keep_answer(conn, idempotency_key, answer)
    metrics.operation_finished("deposit_change", "succeeded")
    return movement.after
