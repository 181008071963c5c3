"""What the rules need to know about a bike and a user's latest order, read in one place
for the commands (under their locks) and the views (flags, the bike look-up)."""

from __future__ import annotations

from services.rental.domain.bike import BikeFacts
from services.rental.domain.model import OrderStatus
from services.rental.domain.users import LatestOrder
from services.rental.store import trips as store
from shared.db import Db


async def bike_facts(conn: Db, bike_id: str) -> BikeFacts:
    latest = await store.latest_of_bike(conn, bike_id)
    lock = await store.lock_state(conn, bike_id)
    return BikeFacts(
        bike_id=bike_id,
        lock_state=lock.state if lock is not None else None,
        lock_reported_at=lock.reported_at if lock is not None else None,
        latest_trip_id=latest.trip_id if latest is not None else None,
        latest_trip_user=latest.user_id if latest is not None else None,
        latest_trip_status=OrderStatus(latest.status) if latest is not None else None,
    )


async def latest_order(conn: Db, user_id: str) -> LatestOrder | None:
    """The user's latest order with its bike's lock, as the status fix rule reads it."""
    latest = await store.latest_of_user(conn, user_id)
    if latest is None:
        return None
    bike = await bike_facts(conn, latest.bike_id)
    return LatestOrder(
        trip_id=latest.trip_id,
        status=OrderStatus(latest.status),
        lock_state=bike.lock_state,
        bike_rented_by_other=bike.rented_by_other(latest.trip_id, user_id),
    )
