"""Users (用户列表): search, detail, rental detail, status fix, blacklist, soft delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.rental.api.common import Cursor, Limit, RentalDeps
from services.rental.api.models import (
    OrderOut,
    OrderPage,
    ReasonIn,
    StatusFixIn,
    UserActionOut,
    UserOut,
    UserPage,
)
from services.rental.domain import cursor as cursors
from services.rental.domain.cursor import Position
from services.rental.domain.errors import UserNotFound
from services.rental.domain.model import UserStatus
from services.rental.domain.query import Deleted, OrderQuery, UserQuery
from services.rental.handlers import users as handlers
from services.rental.store import trips as trip_store
from services.rental.store import users as store
from shared.http import CurrentActor

router = APIRouter(tags=["users"])


class UserDetail(UserOut):
    latest_order: OrderOut | None
    actions: list[UserActionOut]
    """Blacklist, restore, delete and status-fix records, newest first."""


@router.get("/users", response_model=UserPage)
async def search_users(
    deps: RentalDeps,
    _actor: CurrentActor,
    phone: Annotated[str | None, Query(description="The full phone number")] = None,
    name: Annotated[str | None, Query(description="The registered name, exactly")] = None,
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
) -> UserPage:
    query = UserQuery(
        phone=phone,
        name=name,
        user_id=user_id,
        status=status,
        registered_from=registered_from,
        registered_before=registered_before,
        blacklisted=blacklisted,
        deleted=deleted,
        limit=limit,
        after=cursors.decode(cursor),
    )
    rows = await store.search(deps.pool, query)
    tz = deps.settings.tz
    return UserPage(
        items=[UserOut.of(r, tz) for r in rows[:limit]],
        next_cursor=cursors.next_cursor(
            [Position(r["registered_at"], r["user_id"]) for r in rows], limit
        ),
    )


@router.get("/blacklist", response_model=UserPage)
async def blacklist(
    deps: RentalDeps, _actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> UserPage:
    """The blacklist (黑名单), most recently blacklisted first."""
    after = cursors.decode(cursor)
    rows = await store.blacklist_page(deps.pool, (after.at, after.id) if after else None, limit)
    tz = deps.settings.tz
    return UserPage(
        items=[UserOut.of(r, tz) for r in rows[:limit]],
        next_cursor=cursors.next_cursor(
            [Position(r["blacklisted_at"], r["user_id"]) for r in rows], limit
        ),
    )


@router.get("/users/{user_id}", response_model=UserDetail)
async def user_detail(user_id: str, deps: RentalDeps, _actor: CurrentActor) -> UserDetail:
    """One user (deleted ones too): profile, rental state, blacklist, latest order, records."""
    row = await store.get(deps.pool, user_id)
    if row is None:
        raise UserNotFound(f"no user {user_id}")
    tz = deps.settings.tz
    latest = await trip_store.latest_of_user(deps.pool, user_id)
    latest_order = None
    if latest is not None:
        full = await trip_store.get(deps.pool, latest["trip_id"])
        latest_order = OrderOut.of(full, tz) if full is not None else None
    return UserDetail(
        **UserOut.of(row, tz).model_dump(),
        latest_order=latest_order,
        actions=[UserActionOut.of(a, tz) for a in await store.actions(deps.pool, user_id)],
    )


@router.get("/users/{user_id}/rentals", response_model=OrderPage)
async def user_rentals(
    user_id: str, deps: RentalDeps, _actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> OrderPage:
    """The user's rental detail (租赁详情): orders newest first, with the rental points'
    coordinates."""
    if await store.get(deps.pool, user_id) is None:
        raise UserNotFound(f"no user {user_id}")
    query = OrderQuery(user_id=user_id, limit=limit, after=cursors.decode(cursor))
    rows = await trip_store.search(deps.pool, query)
    tz = deps.settings.tz
    return OrderPage(
        items=[OrderOut.of(r, tz) for r in rows[:limit]],
        next_cursor=cursors.next_cursor(
            [Position(r["started_at"], r["trip_id"]) for r in rows], limit
        ),
    )


@router.post("/users/{user_id}/status", response_model=UserOut)
async def fix_status(
    user_id: str, body: StatusFixIn, deps: RentalDeps, actor: CurrentActor
) -> UserOut:
    """Fix the user's status (renting / temporarily returned / idle) to clear a stuck rental;
    only against the user's latest order (409 not_latest_order)."""
    row = await handlers.fix_status(deps, user_id, body.trip_id, body.status, body.reason, actor)
    return UserOut.of(row, deps.settings.tz)


@router.post("/users/{user_id}/blacklist", response_model=UserOut)
async def put_on_blacklist(
    user_id: str, body: ReasonIn, deps: RentalDeps, actor: CurrentActor
) -> UserOut:
    """Blacklist the user (拉黑): publishes rental.user.blacklisted.v1; the platform refuses
    the user's new trips."""
    row = await handlers.blacklist(deps, user_id, body.reason, actor)
    return UserOut.of(row, deps.settings.tz)


@router.post("/users/{user_id}/blacklist/restore", response_model=UserOut)
async def restore_from_blacklist(
    user_id: str, body: ReasonIn, deps: RentalDeps, actor: CurrentActor
) -> UserOut:
    """Restore the user from the blacklist: publishes rental.user.restored.v1."""
    row = await handlers.restore_from_blacklist(deps, user_id, body.reason, actor)
    return UserOut.of(row, deps.settings.tz)


@router.post("/users/{user_id}/delete", response_model=UserOut)
async def delete_user(
    user_id: str, body: ReasonIn, deps: RentalDeps, actor: CurrentActor
) -> UserOut:
    """Soft delete (软删除): hidden from searches, restorable; refused while renting."""
    row = await handlers.delete(deps, user_id, body.reason, actor)
    return UserOut.of(row, deps.settings.tz)


@router.post("/users/{user_id}/restore", response_model=UserOut)
async def restore_user(
    user_id: str, body: ReasonIn, deps: RentalDeps, actor: CurrentActor
) -> UserOut:
    """Undo a soft delete."""
    row = await handlers.restore(deps, user_id, body.reason, actor)
    return UserOut.of(row, deps.settings.tz)
