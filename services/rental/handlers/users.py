"""The agent's commands on a user, each in one transaction with its record (and message)."""

from __future__ import annotations

import asyncpg

from services.rental.deps import Deps
from services.rental.domain import users as rules
from services.rental.domain.errors import UserNotFound
from services.rental.domain.model import UserStatus, required_reason
from services.rental.domain.users import RentalUser
from services.rental.handlers.bikes import latest_order
from services.rental.store import users as store
from shared.contracts import (
    RENTAL_USER_BLACKLISTED,
    RENTAL_USER_RESTORED,
    RentalUserBlacklisted,
    RentalUserRestored,
)
from shared.http import Actor
from shared.messaging.outbox import enqueue


async def _locked(conn: asyncpg.Connection, user_id: str) -> RentalUser:
    user = await store.lock(conn, user_id)
    if user is None:
        raise UserNotFound(f"no user {user_id}")
    return user


async def _check(conn: asyncpg.Connection, action: str, user_id: str, actor: Actor) -> None:
    """The user locked, then the one rule of ``action`` (roles and state) asked."""
    user = (await _locked(conn, user_id)).state
    rules.check(rules.user_refusal(action, actor.roles, user, None))


async def blacklist(deps: Deps, user_id: str, reason: str | None, actor: Actor) -> RentalUser:
    """Put the user on the blacklist; the platform refuses their new trips (拉黑)."""
    why = required_reason(reason)
    now = deps.clock()
    async with deps.pool.acquire() as conn, conn.transaction():
        await _check(conn, "blacklist", user_id, actor)
        user_now = await store.set_blacklisted(conn, user_id, now, why, actor.username)
        await store.record_action(
            conn, user_id=user_id, action="blacklist", reason=why, actor=actor.username, at=now
        )
        await enqueue(
            conn,
            RENTAL_USER_BLACKLISTED,
            RentalUserBlacklisted(user_id=user_id, reason=why, by=actor.username, at=now),
            source=deps.source,
        )
        return user_now


async def restore_from_blacklist(
    deps: Deps, user_id: str, reason: str | None, actor: Actor
) -> RentalUser:
    why = required_reason(reason)
    now = deps.clock()
    async with deps.pool.acquire() as conn, conn.transaction():
        await _check(conn, "restore_from_blacklist", user_id, actor)
        user_now = await store.set_blacklisted(conn, user_id, None, None, None)
        await store.record_action(
            conn,
            user_id=user_id,
            action="restore_from_blacklist",
            reason=why,
            actor=actor.username,
            at=now,
        )
        await enqueue(
            conn,
            RENTAL_USER_RESTORED,
            RentalUserRestored(user_id=user_id, reason=why, by=actor.username, at=now),
            source=deps.source,
        )
        return user_now


async def delete(deps: Deps, user_id: str, reason: str | None, actor: Actor) -> RentalUser:
    """Soft delete: the row stays (restorable), hidden from searches."""
    why = required_reason(reason)
    now = deps.clock()
    async with deps.pool.acquire() as conn, conn.transaction():
        await _check(conn, "delete", user_id, actor)
        user_now = await store.set_deleted(conn, user_id, now, why, actor.username)
        await store.record_action(
            conn, user_id=user_id, action="delete", reason=why, actor=actor.username, at=now
        )
        return user_now


async def restore(deps: Deps, user_id: str, reason: str | None, actor: Actor) -> RentalUser:
    why = required_reason(reason)
    now = deps.clock()
    async with deps.pool.acquire() as conn, conn.transaction():
        await _check(conn, "restore", user_id, actor)
        user_now = await store.set_deleted(conn, user_id, None, None, None)
        await store.record_action(
            conn, user_id=user_id, action="restore", reason=why, actor=actor.username, at=now
        )
        return user_now


async def fix_status(
    deps: Deps,
    user_id: str,
    trip_id: str,
    status: UserStatus,
    reason: str | None,
    actor: Actor,
) -> RentalUser:
    """Set the user's rental state to clear a stuck rental, only against the latest order and,
    while it is open, only when its bike's lock reported locked (the exception fix's guard)."""
    why = required_reason(reason)
    now = deps.clock()
    async with deps.pool.acquire() as conn, conn.transaction():
        user = await _locked(conn, user_id)
        latest = await latest_order(conn, user_id)
        rules.check(rules.user_refusal("status_fix", actor.roles, user.state, latest, trip_id))
        user_now = await store.set_status(conn, user_id, status)
        await store.record_action(
            conn,
            user_id=user_id,
            action="status_fix",
            reason=why,
            actor=actor.username,
            at=now,
            old_status=user.status.value,
            new_status=status.value,
            trip_id=trip_id,
        )
        return user_now
