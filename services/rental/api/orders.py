"""Rental orders (租赁订单列表): list, detail with bike and lock, the exception fix; a bike
looked up by its number."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.rental.api.common import Cursor, Limit, PhoneFilter, RentalDeps, order_position, paged
from services.rental.api.models import bike_out, fix_out, order_out
from services.rental.domain.errors import BikeNotFound, OrderNotFound
from services.rental.domain.exception_fix import fix_refusal, order_actions
from services.rental.domain.model import OrderStatus
from services.rental.domain.query import OrderQuery, phone_match
from services.rental.handlers.bikes import bike_facts
from services.rental.handlers.orders import fix_exception, fix_facts
from services.rental.store import trips as store
from services.rental.store import users as user_store
from shared.api.rental import (
    BikeDetailOut,
    ExceptionFixIn,
    ExceptionFixOut,
    RentalOrderDetailOut,
    RentalOrderPageOut,
)
from shared.http import CurrentActor, IdempotencyKey
from shared.paging import decode_cursor

router = APIRouter(tags=["orders"])


@router.get("/orders", response_model=RentalOrderPageOut)
async def list_orders(
    deps: RentalDeps,
    _actor: CurrentActor,
    phone: PhoneFilter = None,
    user_id: str | None = None,
    bike_id: str | None = None,
    status: OrderStatus | None = None,
    started_from: datetime | None = None,
    started_before: datetime | None = None,
    ended_from: Annotated[
        datetime | None,
        Query(description="Ended at or after (today's returns: today's midnight, status=ended)"),
    ] = None,
    ended_before: Annotated[datetime | None, Query(description="Ended before")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RentalOrderPageOut:
    """Rental orders (租赁订单列表), newest start first; by the end time too (a trip is found
    by its end when it started at most 31 days before)."""
    query = OrderQuery(
        user_id=user_id,
        phone=phone_match(phone),
        bike_id=bike_id,
        status=status,
        started_from=started_from,
        started_before=started_before,
        ended_from=ended_from,
        ended_before=ended_before,
        limit=limit,
    )
    rows = await store.search(deps.pool, query, decode_cursor(cursor))
    tz = deps.settings.tz
    return RentalOrderPageOut(**paged(rows, limit, order_position, lambda r: order_out(r, tz)))


@router.get("/orders/{trip_id}", response_model=RentalOrderDetailOut)
async def order_detail(trip_id: str, deps: RentalDeps, actor: CurrentActor) -> RentalOrderDetailOut:
    """The order, its bike (status, last lock report), whether it is the user's latest, and
    its exception fixes."""
    row = await store.get(deps.pool, trip_id)
    if row is None:
        raise OrderNotFound(f"no rental order {trip_id}")
    tz = deps.settings.tz
    user = await user_store.get(deps.pool, row.user_id)
    assert user is not None
    facts = await fix_facts(deps.pool, row, user.status)
    bike = await bike_facts(deps.pool, row.bike_id)
    return RentalOrderDetailOut(
        **order_out(row, tz).model_dump(),
        bike=bike_out(bike, tz),
        is_users_latest=facts.is_users_latest,
        user_status=facts.user_status,
        fixable=fix_refusal(facts) is None,
        fixes=[fix_out(f, tz) for f in await store.fixes(deps.pool, trip_id)],
        actions=order_actions(facts, actor.roles),
    )


@router.post("/orders/{trip_id}/exception-fix", response_model=ExceptionFixOut)
async def exception_fix(
    trip_id: str,
    body: ExceptionFixIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> ExceptionFixOut:
    """The exception fix (车锁关不上 / 车锁故障 / 无法结束行程): ends the order at the time the
    user reports, the bike idle, the user idle (if it is their latest order), the charge
    recomputed by the tariff. Refused (409 lock_not_locked) unless the lock last reported
    locked or the bike is rented by someone else: then send on-site staff. The same
    Idempotency-Key answers the fix again; with another end time or reason, 422
    idempotency_key_reused."""
    fix = await fix_exception(deps, trip_id, body.ended_at, body.reason, actor, idempotency_key)
    return fix_out(fix, deps.settings.tz)


@router.get("/bikes/{bike_id}", response_model=BikeDetailOut)
async def bike(bike_id: str, deps: RentalDeps, _actor: CurrentActor) -> BikeDetailOut:
    """A bike by its number (车辆编号): its status, its lock's last report, the order holding
    it now and its latest order (404 bike_not_found if it never rode nor reported)."""
    facts = await bike_facts(deps.pool, bike_id)
    if facts.latest_trip_id is None and facts.lock_state is None:
        raise BikeNotFound(f"no trip or lock report of bike {bike_id}")
    tz = deps.settings.tz
    latest = await store.get(deps.pool, facts.latest_trip_id) if facts.latest_trip_id else None
    latest_order = order_out(latest, tz) if latest is not None else None
    return BikeDetailOut(
        **bike_out(facts, tz).model_dump(),
        current_order=latest_order if facts.current_trip_id is not None else None,
        latest_order=latest_order,
    )
