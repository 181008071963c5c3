"""The exception fix of a rental order: one transaction, the rule in domain.exception_fix."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.rental.accounts.domain import ledger
from services.rental.accounts.store import accounts as account_store
from services.rental.deps import Deps
from services.rental.domain.errors import OrderNotFound
from services.rental.domain.exception_fix import FixFacts, decide_fix
from services.rental.domain.model import OrderStatus, UserStatus, required_reason
from services.rental.domain.trips import ExceptionFix, Trip
from services.rental.handlers.bikes import bike_facts
from services.rental.store import trips as store
from services.rental.store import users as user_store
from shared import idempotency
from shared.db import Db
from shared.errors import DomainError
from shared.http import Actor
from shared.idempotency import Command
from shared.metrics import operation_finished


async def fix_exception(
    deps: Deps,
    trip_id: str,
    reported_end: datetime,
    reason: str | None,
    actor: Actor,
    idempotency_key: str | None = None,
) -> ExceptionFix:
    """End a stuck order at the time the user reports; refused (nothing changed) unless the
    lock reported locked or the bike is rented by someone else now. The same
    Idempotency-Key answers the fix again; with another end time or reason, 422."""
    try:
        fix = await _fix(deps, trip_id, reported_end, reason, actor, idempotency_key)
    except DomainError as exc:
        operation_finished("exception_fix", "refused", exc.code)
        raise
    operation_finished("exception_fix", "succeeded")
    return fix


async def _fix(
    deps: Deps,
    trip_id: str,
    reported_end: datetime,
    reason: str | None,
    actor: Actor,
    key: str | None,
) -> ExceptionFix:
    why = required_reason(reason)
    async with deps.unit() as uow:
        conn, now = uow.conn, uow.now()
        if key is not None:
            command = Command(
                "exception_fix", trip_id, {"ended_at": reported_end, "reason": reason}
            )
            if await idempotency.claim(conn, key, command, trip_id) is not None:
                return (await store.fixes(conn, trip_id))[-1]  # a fix ends the order: its one
        # Lock order: the user, then the order (as the event handlers touch them).
        found = await store.get(conn, trip_id)
        if found is None:
            raise OrderNotFound(f"no rental order {trip_id}")
        user = await user_store.lock(conn, found.user_id)
        order = await store.lock(conn, trip_id)
        assert user is not None and order is not None
        facts = await fix_facts(conn, order, user.status)
        rented_by_other = facts.bike_rented_by_other
        outcome = decide_fix(facts, reported_end, now, deps.tariff, roles=actor.roles)
        await store.end_by_fix(conn, trip_id, outcome.ended_at, outcome.charge_cents, now)
        if outcome.user_status_after is not user.status:
            await user_store.set_status(conn, order.user_id, outcome.user_status_after)
        fix = await store.record_fix(
            conn,
            trip_id=trip_id,
            user_id=order.user_id,
            bike_id=order.bike_id,
            actor=actor.username,
            reason=why,
            at=now,
            reported_end=outcome.ended_at,
            lock_state=facts.lock_state,
            bike_rented_by_other=rented_by_other,
            old_status=order.status,
            old_charge_cents=order.charge_cents,
            new_charge_cents=outcome.charge_cents,
            user_status_before=user.status.value,
            user_status_after=outcome.user_status_after.value,
        )
        await _correct_ledger(conn, fix, now)
        return fix


async def fix_facts(conn: Db, order: Trip, user_status: UserStatus) -> FixFacts:
    """What the exception fix rule looks at: read under the command's locks, or for the
    order's ``fixable`` flag."""
    latest = await store.latest_of_user(conn, order.user_id)
    bike = await bike_facts(conn, order.bike_id)
    return FixFacts(
        trip_id=order.trip_id,
        order_status=OrderStatus(order.status),
        started_at=order.started_at,
        lock_state=bike.lock_state,
        bike_rented_by_other=bike.rented_by_other(order.trip_id, order.user_id),
        is_users_latest=latest is not None and latest.trip_id == order.trip_id,
        user_status=user_status,
    )


async def _correct_ledger(conn: asyncpg.Connection, fix: ExceptionFix, at: datetime) -> None:
    """The charge's difference into the account's ledger, in the fix's own transaction
    (keyed by the fix, so it happens once). The account is locked after the user and the
    order: nothing locks them in the other order."""
    account = await account_store.lock(conn, fix.user_id)
    movement = ledger.charge_corrected(account.books, fix.old_charge_cents, fix.new_charge_cents)
    if movement is not None:
        await account_store.record(
            conn,
            fix.user_id,
            movement,
            reference=f"fix:{fix.id}",
            actor=fix.actor,
            reason=f"exception fix of trip {fix.trip_id}: {fix.reason}",
            at=at,
        )
