"""Users (用户列表): search, detail, rental detail, status fix, blacklist, soft delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.rental.api.common import (
    Cursor,
    Limit,
    NameFilter,
    PhoneFilter,
    RentalDeps,
    order_position,
    paged,
)
from services.rental.api.models import order_out, user_action_out, user_out
from services.rental.domain.errors import UserNotFound
from services.rental.domain.model import UserStatus
from services.rental.domain.query import Deleted, OrderQuery, UserQuery, name_part, phone_match
from services.rental.domain.users import RentalUser, user_actions
from services.rental.handlers import users as handlers
from services.rental.handlers.bikes import latest_order
from services.rental.store import trips as trip_store
from services.rental.store import users as store
from shared.api.rental import (
    RentalOrderPageOut,
    RentalReasonIn,
    RentalUserDetailOut,
    RentalUserOut,
    RentalUserPageOut,
    StatusFixIn,
)
from shared.db.pool import read_snapshot
from shared.http import CurrentActor, IdempotencyKey
from shared.paging import Position, decode_cursor

router = APIRouter(tags=["users"])


def _by_registration(user: RentalUser) -> Position:
    return Position(user.registered_at, user.user_id)


def _by_blacklisting(user: RentalUser) -> Position:
    # the blacklist lists only blacklisted users: the time is there
    return Position(user.blacklisted_at or user.registered_at, user.user_id)


@router.get("/users", response_model=RentalUserPageOut)
async def search_users(
    deps: RentalDeps,
    _actor: CurrentActor,
    phone: PhoneFilter = None,
    name: NameFilter = None,
    user_id: str | None = None,
    status: UserStatus | None = None,
    registered_from: datetime | None = None,
    registered_before: datetime | None = None,
    blacklisted: bool | None = None,
    deleted: Annotated[
        Deleted, Query(description="Soft-deleted users: left out (default), only, or both")
    ] = Deleted.EXCLUDE,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RentalUserPageOut:
    """Users (用户列表), newest registration first; every filter combinable."""
    query = UserQuery(
        phone=phone_match(phone),
        name=name_part(name),
        user_id=user_id,
        status=status,
        registered_from=registered_from,
        registered_before=registered_before,
        blacklisted=blacklisted,
        deleted=deleted,
        limit=limit,
    )
    found = await store.search(deps.pool, query, decode_cursor(cursor))
    tz = deps.settings.tz
    return RentalUserPageOut(**paged(found, limit, _by_registration, lambda u: user_out(u, tz)))


@router.get("/blacklist", response_model=RentalUserPageOut)
async def blacklist(
    deps: RentalDeps, _actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> RentalUserPageOut:
    """The blacklist (黑名单), most recently blacklisted first."""
    found = await store.blacklist_page(deps.pool, decode_cursor(cursor), limit)
    tz = deps.settings.tz
    return RentalUserPageOut(**paged(found, limit, _by_blacklisting, lambda u: user_out(u, tz)))


@router.get("/users/{user_id}", response_model=RentalUserDetailOut)
async def user_detail(user_id: str, deps: RentalDeps, actor: CurrentActor) -> RentalUserDetailOut:
    """One user (deleted ones too): profile, rental state, blacklist, latest order, the
    agents' records, and the commands the caller may run now (``actions``)."""
    async with read_snapshot(deps.pool) as conn:
        user = await store.get(conn, user_id)
        if user is None:
            raise UserNotFound(f"no user {user_id}")
        latest = await latest_order(conn, user_id)
        full = await trip_store.get(conn, latest.trip_id) if latest is not None else None
        records = await store.actions(conn, user_id)
    tz = deps.settings.tz
    return RentalUserDetailOut(
        **user_out(user, tz).model_dump(),
        latest_order=order_out(full, tz) if full is not None else None,
        records=[user_action_out(a, tz) for a in records],
        actions=user_actions(actor.roles, user.state, latest),
    )


@router.get("/users/{user_id}/rentals", response_model=RentalOrderPageOut)
async def user_rentals(
    user_id: str, deps: RentalDeps, _actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> RentalOrderPageOut:
    """The user's rental detail (租赁详情): orders newest first, with the rental points'
    coordinates."""
    if await store.get(deps.pool, user_id) is None:
        raise UserNotFound(f"no user {user_id}")
    query = OrderQuery(user_id=user_id, limit=limit)
    rows = await trip_store.search(deps.pool, query, decode_cursor(cursor))
    tz = deps.settings.tz
    return RentalOrderPageOut(**paged(rows, limit, order_position, lambda r: order_out(r, tz)))


@router.post("/users/{user_id}/status", response_model=RentalUserOut)
async def fix_status(
    user_id: str,
    body: StatusFixIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> RentalUserOut:
    """Fix the user's status (renting / temporarily returned / idle) to clear a stuck rental;
    only against the user's latest order (409 not_latest_order) and, while it is open, only
    when its bike's lock reported locked (409 lock_not_locked, the exception fix's guard)."""
    status = UserStatus(body.status)
    user = await handlers.fix_status(
        deps, user_id, body.trip_id, status, body.reason, actor, idempotency_key
    )
    return user_out(user, deps.settings.tz)


@router.post("/users/{user_id}/blacklist", response_model=RentalUserOut)
async def put_on_blacklist(
    user_id: str,
    body: RentalReasonIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> RentalUserOut:
    """Blacklist the user (拉黑): publishes rental.user.blacklisted.v1; the platform refuses
    the user's new trips. As every command on a user: the same Idempotency-Key answers the
    user again and changes nothing; with another reason, 422 idempotency_key_reused."""
    user = await handlers.blacklist(deps, user_id, body.reason, actor, idempotency_key)
    return user_out(user, deps.settings.tz)


@router.post("/users/{user_id}/blacklist/restore", response_model=RentalUserOut)
async def restore_from_blacklist(
    user_id: str,
    body: RentalReasonIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> RentalUserOut:
    """Restore the user from the blacklist: publishes rental.user.restored.v1."""
    user = await handlers.restore_from_blacklist(deps, user_id, body.reason, actor, idempotency_key)
    return user_out(user, deps.settings.tz)


@router.post("/users/{user_id}/delete", response_model=RentalUserOut)
async def delete_user(
    user_id: str,
    body: RentalReasonIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> RentalUserOut:
    """Soft delete (软删除): hidden from searches, restorable; refused while renting."""
    user = await handlers.delete(deps, user_id, body.reason, actor, idempotency_key)
    return user_out(user, deps.settings.tz)


@router.post("/users/{user_id}/restore", response_model=RentalUserOut)
async def restore_user(
    user_id: str,
    body: RentalReasonIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> RentalUserOut:
    """Undo a soft delete."""
    user = await handlers.restore(deps, user_id, body.reason, actor, idempotency_key)
    return user_out(user, deps.settings.tz)
