"""The bike platform's events: applied once, in any order, never lost."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from services.rental.domain.errors import NotYetKnown
from services.rental.handlers import ingest
from shared.contracts import (
    RENTAL_TRIP_ENDED,
    RentalPoint,
    TripEnded,
    TripStarted,
    UserRegistered,
)
from shared.unit_of_work import UnitOfWork
from tests.integration.rental.conftest import Rental, new_id, point

pytestmark = pytest.mark.integration

TRIP = "SELECT * FROM trips WHERE trip_id = $1"
POINT = RentalPoint.model_validate(point(3))
USER = "SELECT * FROM users WHERE user_id = $1"


def unit(rental: Rental, conn: Any) -> UnitOfWork:
    """The unit of work of a transaction the test holds, as the consumer runtime's."""
    within: UnitOfWork = rental.app.state.deps.within(conn)
    return within


async def user_status(rental: Rental, user_id: str) -> str | None:
    row = await rental.row(USER, user_id)
    return row["status"] if row else None


async def test_a_trip_moves_the_user_from_renting_to_idle(rental: Rental) -> None:
    user = await rental.register()
    await rental.wait_row(USER, user)
    bike = new_id("b")
    trip = await rental.start_trip(user, bike_id=bike)
    await rental.wait_row(TRIP, trip)
    assert await user_status(rental, user) == "renting"

    await rental.end_trip(user, trip, bike, charge_cents=400)
    ended = await rental.wait_row(TRIP + " AND status = 'ended'", trip)
    assert ended["charge_cents"] == 400 and ended["end_point_id"] == "P2"
    assert await user_status(rental, user) == "idle"


async def test_an_end_outside_a_point_is_a_temporary_return_until_the_real_end(
    rental: Rental,
) -> None:
    user = await rental.register()
    bike = new_id("b")
    trip = await rental.start_trip(user, bike_id=bike)
    await rental.wait_row(TRIP, trip)
    await rental.end_trip(user, trip, bike, at_point=False)
    await rental.wait_row(TRIP + " AND status = 'temporarily_returned'", trip)
    assert await user_status(rental, user) == "temporarily_returned"
    await rental.end_trip(user, trip, bike, at_point=True)
    await rental.wait_row(TRIP + " AND status = 'ended'", trip)
    assert await user_status(rental, user) == "idle"


async def applied(rental: Rental, consumer: str, ce_id: str) -> None:
    await rental.wait_row(
        "SELECT 1 FROM inbox WHERE consumer = $1 AND ce_id = $2", f"rental.{consumer}", ce_id
    )


async def test_duplicates_change_nothing(rental: Rental) -> None:
    user = await rental.register()
    await rental.wait_row(USER, user)  # else the first start may wait parked for it
    bike = new_id("b")
    start_id = new_id("e")
    trip = await rental.start_trip(user, bike_id=bike, ce_id=start_id)
    await rental.start_trip(user, trip_id=trip, bike_id=bike, ce_id=start_id)  # redelivered
    again = new_id("e")
    await rental.start_trip(user, trip_id=trip, bike_id=new_id("other"), ce_id=again)
    await applied(rental, "trip_started", again)
    end_at = rental.clock.now - timedelta(minutes=50)
    await rental.end_trip(user, trip, bike, at=end_at, charge_cents=200)
    await rental.wait_row(TRIP + " AND status = 'ended'", trip)
    later = await rental.end_trip(user, trip, bike, charge_cents=999)  # a second end
    await applied(rental, "trip_ended", later)
    row = await rental.row(TRIP, trip)
    assert row is not None
    assert (row["bike_id"], row["charge_cents"], row["ended_at"]) == (bike, 200, end_at)
    assert await rental.pool.fetchval("SELECT count(*) FROM trips WHERE user_id = $1", user) == 1
    assert await user_status(rental, user) == "idle"


async def test_a_trip_end_before_its_start_is_parked_then_applied(rental: Rental) -> None:
    user = await rental.register()
    await rental.wait_row(USER, user)
    trip, bike = new_id("t"), new_id("b")
    await rental.end_trip(user, trip, bike, charge_cents=500)
    parked = await rental.wait_row(
        "SELECT * FROM parked_messages WHERE consumer = 'rental.trip_ended'"
        " AND convert_from(payload, 'UTF8') LIKE '%' || $1 || '%'",
        trip,
    )
    assert parked["reason"].startswith("not_yet_known")
    assert await rental.row(TRIP, trip) is None

    await rental.start_trip(user, trip_id=trip, bike_id=bike)
    ended = await rental.wait_row(TRIP + " AND status = 'ended'", trip)
    assert ended["charge_cents"] == 500
    assert await user_status(rental, user) == "idle"
    assert not rental.seen.where(RENTAL_TRIP_ENDED.dlq, lambda p: p.get("trip_id") == trip)


async def test_a_trip_of_a_user_not_registered_yet_waits_for_the_registration(
    rental: Rental,
) -> None:
    user = new_id("u")
    trip = await rental.start_trip(user)
    await rental.wait_row(
        "SELECT 1 FROM parked_messages WHERE consumer = 'rental.trip_started'"
        " AND convert_from(payload, 'UTF8') LIKE '%' || $1 || '%'",
        trip,
    )
    await rental.register(user)
    await rental.wait_row(TRIP, trip)
    assert await user_status(rental, user) == "renting"


async def test_an_older_trip_ending_late_does_not_move_the_user_off_the_latest(
    rental: Rental,
) -> None:
    user = await rental.register()
    old_bike, new_bike = new_id("b"), new_id("b")
    now = rental.clock.now
    old = await rental.start_trip(user, bike_id=old_bike, at=now - timedelta(hours=3))
    await rental.wait_row(TRIP, old)
    new = await rental.start_trip(user, bike_id=new_bike, at=now - timedelta(minutes=10))
    await rental.wait_row(TRIP, new)
    await rental.end_trip(user, old, old_bike, at=now - timedelta(hours=2))
    await rental.wait_row(TRIP + " AND status = 'ended'", old)
    assert await user_status(rental, user) == "renting"


async def test_a_late_lock_report_never_overwrites_a_newer_one(rental: Rental) -> None:
    bike = new_id("b")
    now = rental.clock.now
    await rental.lock(bike, "locked", at=now - timedelta(minutes=1))
    await rental.wait_row("SELECT 1 FROM bike_locks WHERE bike_id = $1", bike)
    await rental.lock(bike, "unlocked", at=now - timedelta(minutes=30))
    await rental.lock(bike, "fault", at=now - timedelta(minutes=20))
    marker = new_id("b")
    await rental.lock(marker, "locked")
    await rental.wait_row("SELECT 1 FROM bike_locks WHERE bike_id = $1", marker)
    row = await rental.row("SELECT * FROM bike_locks WHERE bike_id = $1", bike)
    assert row is not None and row["state"] == "locked"


async def test_a_malformed_event_goes_to_the_dlq(rental: Rental) -> None:
    trip = new_id("t")
    await rental.publish(
        RENTAL_TRIP_ENDED.name, {"event_id": "x", "trip_id": trip, "charge_cents": -1}, key="u"
    )
    dead = await rental.seen.wait(RENTAL_TRIP_ENDED.dlq, lambda p: p.get("trip_id") == trip)
    assert len(dead) == 1
    assert await rental.row(TRIP, trip) is None


async def test_a_temporary_return_and_the_end_in_one_batch_leave_the_trip_ended(
    rental: Rental,
) -> None:
    user = await rental.register()
    bike = new_id("b")
    trip = await rental.start_trip(user, bike_id=bike)
    await rental.wait_row(TRIP, trip)
    now = rental.clock.now

    def end(point: bool, minutes: int) -> TripEnded:
        return TripEnded(
            event_id=new_id("e"),
            trip_id=trip,
            user_id=user,
            bike_id=bike,
            ended_at=now - timedelta(minutes=minutes),
            end_point=POINT if point else None,
            charge_cents=100 + minutes,
        )

    async with rental.pool.acquire() as conn, conn.transaction():
        await ingest.end_trips(unit(rental, conn), [end(False, 50), end(True, 40), end(True, 30)])
    row = await rental.row(TRIP, trip)
    assert (row["status"], row["charge_cents"]) == ("ended", 140)
    assert await user_status(rental, user) == "idle"


class CommitsMidway:
    """A connection on which another transaction commits right after the first statement:
    what a second consumer does when a trip's start and end are consumed at one moment."""

    def __init__(self, conn: Any, other: Any) -> None:
        self._conn, self._other, self._done = conn, other, False

    async def fetch(self, *args: Any) -> Any:
        rows = await self._conn.fetch(*args)
        if not self._done:
            self._done = True
            await self._other.commit()
        return rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def trip_of(user: str, trip: str, bike: str, at: datetime) -> TripStarted:
    return TripStarted.model_validate(
        {
            "event_id": new_id("e"),
            "trip_id": trip,
            "user_id": user,
            "bike_id": bike,
            "started_at": at.isoformat(),
            "start_point": point(1),
        }
    )


async def test_an_end_whose_start_commits_meanwhile_is_retried_not_lost(rental: Rental) -> None:
    user = await rental.register()
    await rental.wait_row(USER, user)
    trip, bike, now = new_id("t"), new_id("b"), rental.clock.now
    end = TripEnded(
        event_id=new_id("e"),
        trip_id=trip,
        user_id=user,
        bike_id=bike,
        ended_at=now,
        end_point=POINT,
        charge_cents=200,
    )
    async with rental.pool.acquire() as starting, rental.pool.acquire() as ending:
        start = starting.transaction()
        await start.start()
        await ingest.start_trips(
            unit(rental, starting), [trip_of(user, trip, bike, now - timedelta(hours=1))]
        )
        with pytest.raises(NotYetKnown):
            async with ending.transaction():
                await ingest.end_trips(unit(rental, CommitsMidway(ending, start)), [end])
    assert (await rental.row(TRIP, trip))["status"] == "renting"  # the end is retried later


async def test_a_start_whose_user_commits_meanwhile_is_retried_not_lost(rental: Rental) -> None:
    user, trip, now = new_id("u"), new_id("t"), rental.clock.now
    registration = UserRegistered.model_validate(
        {
            "event_id": new_id("e"),
            "user_id": user,
            "phone": "13800138000",
            "name": "李四",
            "registered_at": (now - timedelta(days=1)).isoformat(),
        }
    )
    async with rental.pool.acquire() as registering, rental.pool.acquire() as starting:
        register = registering.transaction()
        await register.start()
        await ingest.register_users(unit(rental, registering), [registration])
        with pytest.raises(NotYetKnown):
            async with starting.transaction():
                started = trip_of(user, trip, new_id("b"), now)
                await ingest.start_trips(unit(rental, CommitsMidway(starting, register)), [started])
    assert await rental.row(USER, user) is not None
    assert await rental.row(TRIP, trip) is None  # the start is retried later
