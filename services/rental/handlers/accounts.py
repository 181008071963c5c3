"""Accounts: the view an agent opens (balance first), the card's state, the deposit."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.rental.domain import ledger
from services.rental.domain.account_errors import (
    AccountNotFound,
    ReasonRequired,
    RefundPending,
    SupervisorRequired,
)
from services.rental.domain.card import CardState, transition
from services.rental.domain.ledger import Books
from services.rental.domain.refund_request import RefundKind
from services.rental.domain.topup import local_day_bounds
from services.rental.domain.topup_limits import DayUsage, TopUpLimits, limits_for
from services.rental.handlers.account_deps import AccountDeps
from services.rental.store import accounts as store
from services.rental.store import refunds as refund_store
from services.rental.store import topup_charges as charge_store
from shared import metrics
from shared.db.pool import read_snapshot
from shared.http import Actor

OPS_SUPERVISOR = "ops_supervisor"


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
    refunds: list[asyncpg.Record]


async def view(deps: AccountDeps, user_id: str) -> AccountView:
    """The account; a registered user with no movement yet has an empty, active one.

    One snapshot for every part: read apart, a refund's outcome committing in between
    showed the refund completed beside a deposit still held."""
    async with read_snapshot(deps.pool) as conn:
        row = await store.view(conn, user_id)
        user = await store.user(conn, user_id)
        if row is None and user is None:
            raise AccountNotFound(f"no account or registered user {user_id}")
        card_type = (user["card_type"] if user is not None else None) or "standard"
        start, end = local_day_bounds(deps.clock(), deps.tz)
        return AccountView(
            user_id=user_id,
            books=store.books_of(row) if row is not None else Books(),
            card_state=row["card_state"] if row is not None else CardState.ACTIVE.value,
            card_type=card_type,
            registered=user is not None,
            phone=user["phone"] if user is not None else None,
            name=user["name"] if user is not None else None,
            limits=limits_for(card_type, deps.limits),
            today=await charge_store.day_usage(conn, user_id, start, end),
            refunds=await refund_store.of_user(conn, user_id),
        )


async def _existing(conn: asyncpg.Connection, user_id: str) -> asyncpg.Record:
    if await store.view(conn, user_id) is None and await store.user(conn, user_id) is None:
        raise AccountNotFound(f"no account or registered user {user_id}")
    return await store.lock(conn, user_id)


async def change_card_state(
    deps: AccountDeps, *, user_id: str, state: CardState, reason: str | None, actor: str
) -> CardState:
    async with deps.pool.acquire() as conn, conn.transaction():
        account = await _existing(conn, user_id)
        current = CardState(account["card_state"])
        new = transition(current, state, reason)
        assert reason is not None
        await store.set_card_state(
            conn, user_id, current, new, reason=reason.strip(), actor=actor, at=deps.clock()
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
    if OPS_SUPERVISOR not in actor.roles:
        raise SupervisorRequired("only an operations supervisor may change a deposit")
    if not reason or not reason.strip():
        raise ReasonRequired("a deposit change needs a reason")
    async with deps.pool.acquire() as conn, conn.transaction():
        account = await _existing(conn, user_id)
        if await refund_store.pending_of_kind(conn, user_id, RefundKind.DEPOSIT) is not None:
            raise RefundPending("a deposit refund is pending: change the deposit after it ends")
        books = store.books_of(account)
        reference = f"deposit-change:{user_id}:{idempotency_key or account['movements']}"
        if idempotency_key is not None and await conn.fetchval(
            "SELECT 1 FROM account_ledger WHERE kind = 'deposit_adjusted' AND reference = $1",
            reference,
        ):
            return books  # the same command again: already applied
        movement = ledger.deposit_adjusted(books, deposit_cents)
        await store.record(
            conn,
            user_id,
            movement,
            reference=reference,
            actor=actor.username,
            reason=reason.strip(),
            at=deps.clock(),
        )
    metrics.operation_finished("deposit_change", "succeeded")
    return movement.after
