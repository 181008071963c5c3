"""Rental orders (租赁订单列表): list, detail with bike and lock, the exception fix."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from services.rental.api.common import Cursor, Limit, RentalDeps, keyset, paged
from services.rental.api.models import fix_out, local, order_out
from services.rental.domain.errors import OrderNotFound
from services.rental.domain.model import OPEN, OrderStatus, UserStatus, bike_status_of
from services.rental.domain.query import OrderQuery
from services.rental.handlers.orders import fix_exception
from services.rental.store import trips as store
from services.rental.store import users as user_store
from shared.api.rental import (
    BikeOut,
    ExceptionFixIn,
    ExceptionFixOut,
    RentalOrderDetailOut,
    RentalOrderPageOut,
)
from shared.http import CurrentActor
from shared.paging import decode_cursor

router = APIRouter(tags=["orders"])


@router.get("/orders", response_model=RentalOrderPageOut)
async def list_orders(
    deps: RentalDeps,
    _actor: CurrentActor,
    phone: str | None = None,
    user_id: str | None = None,
    bike_id: str | None = None,
    status: OrderStatus | None = None,
    started_from: datetime | None = None,
    started_before: datetime | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RentalOrderPageOut:
    query = OrderQuery(
        user_id=user_id,
        phone=phone,
        bike_id=bike_id,
        status=status,
        started_from=started_from,
        started_before=started_before,
        limit=limit,
    )
    rows = await store.search(deps.pool, query, decode_cursor(cursor))
    tz = deps.settings.tz
    return RentalOrderPageOut(
        **paged(rows, limit, keyset("started_at", "trip_id"), lambda r: order_out(r, tz))
    )


@router.get("/orders/{trip_id}", response_model=RentalOrderDetailOut)
async def order_detail(
    trip_id: str, deps: RentalDeps, _actor: CurrentActor
) -> RentalOrderDetailOut:
    """The order, its bike (status, last lock report), whether it is the user's latest, and
    its exception fixes."""
    row = await store.get(deps.pool, trip_id)
    if row is None:
        raise OrderNotFound(f"no rental order {trip_id}")
    tz = deps.settings.tz
    bike_latest = await store.latest_of_bike(deps.pool, row["bike_id"])
    lock = await store.lock_state(deps.pool, row["bike_id"])
    latest = await store.latest_of_user(deps.pool, row["user_id"])
    user = await user_store.get(deps.pool, row["user_id"])
    assert user is not None
    bike_status = bike_status_of(OrderStatus(bike_latest["status"]) if bike_latest else None)
    rented_by_other = (
        bike_latest is not None
        and bike_latest["trip_id"] != trip_id
        and bike_latest["user_id"] != row["user_id"]
        and OrderStatus(bike_latest["status"]) in OPEN
    )
    lock_state = lock["state"] if lock is not None else None
    return RentalOrderDetailOut(
        **order_out(row, tz).model_dump(),
        bike=BikeOut(
            bike_id=row["bike_id"],
            status=bike_status.value,
            lock_state=lock_state,
            lock_reported_at=local(lock["reported_at"], tz) if lock is not None else None,
            current_trip_id=bike_latest["trip_id"]
            if bike_latest is not None and OrderStatus(bike_latest["status"]) in OPEN
            else None,
        ),
        is_users_latest=latest is not None and latest["trip_id"] == trip_id,
        user_status=UserStatus(user["status"]),
        fixable=OrderStatus(row["status"]) in OPEN and (lock_state == "locked" or rented_by_other),
        fixes=[fix_out(f, tz) for f in await store.fixes(deps.pool, trip_id)],
    )


@router.post("/orders/{trip_id}/exception-fix", response_model=ExceptionFixOut)
async def exception_fix(
    trip_id: str, body: ExceptionFixIn, deps: RentalDeps, actor: CurrentActor
) -> ExceptionFixOut:
    """The exception fix (车锁关不上 / 车锁故障 / 无法结束行程): ends the order at the time the
    user reports, the bike idle, the user idle (if it is their latest order), the charge
    recomputed by the tariff. Refused (409 lock_not_locked) unless the lock last reported
    locked or the bike is rented by someone else: then send on-site staff."""
    fix = await fix_exception(deps, trip_id, body.ended_at, body.reason, actor)
    return fix_out(fix, deps.settings.tz)
