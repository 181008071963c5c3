"""The agent's commands on a user, each in one transaction with its record (and message).

Each takes the client's Idempotency-Key (scoped by ``shared.http``): a repeat of the same
command answers the user as they are and changes nothing; the same key with another
reason (or status, or order) is refused, 422 ``idempotency_key_reused``.
"""

from __future__ import annotations

import asyncpg

from services.rental.deps import Deps
from services.rental.domain import users as rules
from services.rental.domain.errors import UserNotFound
from services.rental.domain.model import UserStatus, required_reason
from services.rental.domain.users import RentalUser
from services.rental.handlers.bikes import latest_order
from services.rental.store import users as store
from shared import idempotency
from shared.contracts import (
    RENTAL_USER_BLACKLISTED,
    RENTAL_USER_RESTORED,
    RentalUserBlacklisted,
    RentalUserRestored,
)
from shared.http import Actor
from shared.idempotency import Command
from shared.unit_of_work import UnitOfWork


async def _locked(conn: asyncpg.Connection, user_id: str) -> RentalUser:
    user = await store.lock(conn, user_id)
    if user is None:
        raise UserNotFound(f"no user {user_id}")
    return user


async def _check(conn: asyncpg.Connection, action: str, user_id: str, actor: Actor) -> None:
    """The user locked, then the one rule of ``action`` (roles and state) asked."""
    user = (await _locked(conn, user_id)).state
    rules.check(rules.user_refusal(action, actor.roles, user, None))


async def _repeated(uow: UnitOfWork, key: str | None, command: Command) -> RentalUser | None:
    """The user as they are now when ``key`` already ran this command (it is not run
    again); None when the key is ours now, or there is none. Another command under the
    key is refused (422 idempotency_key_reused)."""
    if key is None or await idempotency.claim(uow.conn, key, command, command.target) is None:
        return None
    user = await store.get(uow.conn, command.target)
    assert user is not None  # users are never removed (a delete is soft)
    return user


async def blacklist(
    deps: Deps, user_id: str, reason: str | None, actor: Actor, key: str | None = None
) -> RentalUser:
    """Put the user on the blacklist; the platform refuses their new trips (拉黑)."""
    why = required_reason(reason)
    async with deps.unit() as uow:
        command = Command("blacklist", user_id, {"reason": reason})
        if (again := await _repeated(uow, key, command)) is not None:
            return again
        conn, now = uow.conn, uow.now()
        await _check(conn, "blacklist", user_id, actor)
        user_now = await store.set_blacklisted(conn, user_id, now, why, actor.username)
        await store.record_action(
            conn, user_id=user_id, action="blacklist", reason=why, actor=actor.username, at=now
        )
        await uow.publish(
            RENTAL_USER_BLACKLISTED,
            RentalUserBlacklisted(user_id=user_id, reason=why, by=actor.username, at=now),
        )
        return user_now


async def restore_from_blacklist(
    deps: Deps, user_id: str, reason: str | None, actor: Actor, key: str | None = None
) -> RentalUser:
    why = required_reason(reason)
    async with deps.unit() as uow:
        command = Command("restore_from_blacklist", user_id, {"reason": reason})
        if (again := await _repeated(uow, key, command)) is not None:
            return again
        conn, now = uow.conn, uow.now()
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
        await uow.publish(
            RENTAL_USER_RESTORED,
            RentalUserRestored(user_id=user_id, reason=why, by=actor.username, at=now),
        )
        return user_now


async def delete(
    deps: Deps, user_id: str, reason: str | None, actor: Actor, key: str | None = None
) -> RentalUser:
    """Soft delete: the row stays (restorable), hidden from searches."""
    why = required_reason(reason)
    async with deps.unit() as uow:
        command = Command("delete", user_id, {"reason": reason})
        if (again := await _repeated(uow, key, command)) is not None:
            return again
        conn, now = uow.conn, uow.now()
        await _check(conn, "delete", user_id, actor)
        user_now = await store.set_deleted(conn, user_id, now, why, actor.username)
        await store.record_action(
            conn, user_id=user_id, action="delete", reason=why, actor=actor.username, at=now
        )
        return user_now


async def restore(
    deps: Deps, user_id: str, reason: str | None, actor: Actor, key: str | None = None
) -> RentalUser:
    why = required_reason(reason)
    async with deps.unit() as uow:
        command = Command("restore", user_id, {"reason": reason})
        if (again := await _repeated(uow, key, command)) is not None:
            return again
        conn, now = uow.conn, uow.now()
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
    key: str | None = None,
) -> RentalUser:
    """Set the user's rental state to clear a stuck rental, only against the latest order and,
    while it is open, only when its bike's lock reported locked (the exception fix's guard)."""
    why = required_reason(reason)
    async with deps.unit() as uow:
        asked = {"trip_id": trip_id, "status": status.value, "reason": reason}
        command = Command("status_fix", user_id, asked)
        if (again := await _repeated(uow, key, command)) is not None:
            return again
        conn, now = uow.conn, uow.now()
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
