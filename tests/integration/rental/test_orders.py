"""Rental orders and the exception fix: each rule refuses with its code and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from services.rental.domain.tariff import Tariff
from tests.integration.rental.conftest import AGENT, Rental, new_id

pytestmark = pytest.mark.integration

TRIP = "SELECT * FROM trips WHERE trip_id = $1"
USER = "SELECT * FROM users WHERE user_id = $1"


async def stuck_trip(rental: Rental, lock: str | None, hours: float = 2) -> tuple[str, str, str]:
    """A user renting a bike whose lock last reported ``lock``."""
    user = await rental.register()
    await rental.wait_row(USER, user)
    bike = new_id("b")
    trip = await rental.start_trip(user, bike_id=bike, at=rental.clock.now - timedelta(hours=hours))
    await rental.wait_row(TRIP, trip)
    if lock is not None:
        await rental.lock(bike, lock)
        await rental.wait_row("SELECT 1 FROM bike_locks WHERE bike_id = $1", bike)
    return user, bike, trip


def fix(rental: Rental, minutes_ago: float = 30, reason: str | None = "lock fault") -> Any:
    body: dict[str, Any] = {
        "ended_at": (rental.clock.now - timedelta(minutes=minutes_ago)).isoformat()
    }
    if reason is not None:
        body["reason"] = reason
    return body


async def assert_unchanged(rental: Rental, user: str, trip: str) -> None:
    row = await rental.row(TRIP, trip)
    assert row is not None and row["status"] == "renting" and row["ended_at"] is None
    assert (await rental.row(USER, user))["status"] == "renting"
    assert not await rental.pool.fetchval(
        "SELECT count(*) FROM exception_fixes WHERE trip_id = $1", trip
    )


@pytest.mark.parametrize("lock", ["unlocked", "fault", None])
async def test_refused_unless_the_lock_reported_locked(rental: Rental, lock: str | None) -> None:
    user, _, trip = await stuck_trip(rental, lock)
    refused = await rental.post(f"/orders/{trip}/exception-fix", fix(rental), status=409)
    assert refused["code"] == "lock_not_locked"
    assert "on-site" in refused["message"]
    detail = await rental.get(f"/orders/{trip}")
    assert detail["fixable"] is False
    await assert_unchanged(rental, user, trip)


async def test_bad_input_is_refused_and_changes_nothing(rental: Rental) -> None:
    user, _, trip = await stuck_trip(rental, "locked", hours=2)
    for body, status, code in (
        (fix(rental, reason=None), 422, "reason_required"),
        (fix(rental, minutes_ago=180), 422, "invalid_end_time"),
        (fix(rental, minutes_ago=-10), 422, "invalid_end_time"),
        ({"ended_at": "2026-11-23T20:18:00", "reason": "x"}, 422, "invalid_end_time"),
    ):
        refused = await rental.post(f"/orders/{trip}/exception-fix", body, status=status)
        assert refused["code"] == code, body
    missing = await rental.post("/orders/nope/exception-fix", fix(rental), status=404)
    assert missing["code"] == "order_not_found"
    await assert_unchanged(rental, user, trip)


async def test_fix_ends_the_order_at_the_reported_time_and_reprices_it(rental: Rental) -> None:
    user, bike, trip = await stuck_trip(rental, "locked", hours=2)
    detail = await rental.get(f"/orders/{trip}")
    assert detail["fixable"] and detail["bike"]["status"] == "rented"
    assert detail["is_users_latest"]
    body = fix(rental, minutes_ago=55)  # a 65-minute trip: three started half hours
    done = await rental.post(f"/orders/{trip}/exception-fix", body)
    assert done["new_charge_cents"] == 300 and done["old_charge_cents"] is None
    assert (done["actor"], done["reason"], done["lock_state"]) == (
        "agent.li",
        "lock fault",
        "locked",
    )
    assert (done["user_status_before"], done["user_status_after"]) == ("renting", "idle")

    row = await rental.row(TRIP, trip)
    assert row["status"] == "ended" and row["charge_cents"] == 300
    assert row["ended_at"] == rental.clock.now - timedelta(minutes=55)
    assert (await rental.row(USER, user))["status"] == "idle"
    after = await rental.get(f"/orders/{trip}")
    assert after["bike"]["status"] == "idle" and len(after["fixes"]) == 1
    again = await rental.post(f"/orders/{trip}/exception-fix", body, status=409)
    assert again["code"] == "order_not_open"

    # the platform's own end arriving afterwards does not undo the fix
    late = await rental.end_trip(user, trip, bike, charge_cents=9900)
    await rental.wait_row(
        "SELECT 1 FROM inbox WHERE consumer = 'rental.trip_ended' AND ce_id = $1", late
    )
    assert (await rental.row(TRIP, trip))["charge_cents"] == 300


async def test_allowed_when_the_bike_is_rented_by_someone_else(rental: Rental) -> None:
    user, bike, trip = await stuck_trip(rental, "unlocked", hours=3)
    other = await rental.register()
    now_renting = await rental.start_trip(
        other, bike_id=bike, at=rental.clock.now - timedelta(minutes=20)
    )
    await rental.wait_row(TRIP, now_renting)
    done = await rental.post(f"/orders/{trip}/exception-fix", fix(rental, minutes_ago=150))
    assert done["bike_rented_by_other"] and done["lock_state"] == "unlocked"
    assert (await rental.row(USER, user))["status"] == "idle"
    # the other user's rental is untouched
    assert (await rental.row(TRIP, now_renting))["status"] == "renting"
    assert (await rental.row(USER, other))["status"] == "renting"
    assert (await rental.get(f"/orders/{now_renting}"))["bike"]["status"] == "rented"


async def test_user_status_kept_when_the_order_is_not_the_latest(rental: Rental) -> None:
    user, _, old = await stuck_trip(rental, "locked", hours=5)
    latest = await rental.start_trip(user, at=rental.clock.now - timedelta(minutes=30))
    await rental.wait_row(TRIP, latest)
    done = await rental.post(f"/orders/{old}/exception-fix", fix(rental, minutes_ago=240))
    assert done["user_status_after"] == "renting"
    assert (await rental.row(USER, user))["status"] == "renting"
    assert done["new_charge_cents"] == Tariff().charge_cents(
        rental.clock.now - timedelta(hours=5), rental.clock.now - timedelta(minutes=240)
    )


async def test_order_list_filters(rental: Rental) -> None:
    user, bike, trip = await stuck_trip(rental, None)
    by_bike = await rental.get("/orders", bike_id=bike)
    assert [o["trip_id"] for o in by_bike["items"]] == [trip]
    by_user = await rental.get("/orders", user_id=user, status="renting")
    assert [o["trip_id"] for o in by_user["items"]] == [trip]
    assert (await rental.get("/orders", user_id=user, status="ended"))["items"] == []
    phone = (await rental.row(USER, user))["phone"]
    by_phone = await rental.get("/orders", phone=phone)
    assert [o["trip_id"] for o in by_phone["items"]] == [trip]
    assert by_phone["items"][0]["phone"] != phone  # masked


async def test_concurrent_fixes_of_one_order_fix_it_once(rental: Rental) -> None:
    _, _, trip = await stuck_trip(rental, "locked", hours=2)
    answers = await asyncio.gather(
        *(
            rental.http.post(f"/orders/{trip}/exception-fix", json=fix(rental), headers=AGENT)
            for _ in range(5)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"order_not_open"}
    assert (
        await rental.pool.fetchval("SELECT count(*) FROM exception_fixes WHERE trip_id = $1", trip)
        == 1
    )


async def test_a_keyed_fix_replays_and_refuses_another_end_time(rental: Rental) -> None:
    user, _, trip = await stuck_trip(rental, "locked", hours=2)
    keyed = {**AGENT, "Idempotency-Key": new_id("fix-")}
    path, body = f"/orders/{trip}/exception-fix", fix(rental, minutes_ago=55)
    first = await rental.post(path, body, actor=keyed)
    movements = "SELECT count(*) FROM account_ledger WHERE user_id = $1"
    moved = await rental.pool.fetchval(movements, user)
    assert await rental.post(path, body, actor=keyed) == first
    other = await rental.post(path, fix(rental, minutes_ago=50), status=422, actor=keyed)
    assert other["code"] == "idempotency_key_reused"
    assert await rental.pool.fetchval(movements, user) == moved
    fixes = await rental.pool.fetchval(
        "SELECT count(*) FROM exception_fixes WHERE trip_id = $1", trip
    )
    assert fixes == 1
    assert (await rental.row(TRIP, trip))["ended_at"] == rental.clock.now - timedelta(minutes=55)


async def fund_flows_of(rental: Rental, user: str) -> Any:
    day = rental.clock.now.astimezone(rental.settings.tz).date().isoformat()
    return await rental.get("/fund-flows", date_from=day, date_to=day, user_id=user)


async def test_the_fixed_charge_reaches_the_ledger_once_and_shows_in_fund_flows(
    rental: Rental,
) -> None:
    # a trip ended outside a rental point and charged the day cap, fixed to a lower charge
    user, bike, trip = await stuck_trip(rental, "locked", hours=2)
    ended = await rental.end_trip(
        user,
        trip,
        bike,
        at=rental.clock.now - timedelta(minutes=5),
        at_point=False,
        charge_cents=2_000,
    )
    await rental.wait_row(
        "SELECT 1 FROM inbox WHERE consumer = 'rental.trip_ended' AND ce_id = $1", ended
    )
    assert (await rental.row(TRIP, trip))["status"] == "temporarily_returned"
    answers = await asyncio.gather(
        *(
            rental.http.post(
                f"/orders/{trip}/exception-fix", json=fix(rental, minutes_ago=55), headers=AGENT
            )
            for _ in range(3)
        )
    )
    done = next(a.json() for a in answers if a.status_code == 200)
    assert (done["old_charge_cents"], done["new_charge_cents"]) == (2_000, 300)
    moves = await rental.pool.fetch("SELECT * FROM account_ledger WHERE user_id = $1", user)
    assert [(m["kind"], m["amount_cents"], m["reference"]) for m in moves] == [
        ("rental_charge_lowered", 1_700, f"fix:{done['id']}")
    ]
    assert (moves[0]["balance_delta"], moves[0]["actor"]) == (0, "agent.li")
    flows = await fund_flows_of(rental, user)
    assert [(i["kind"], i["direction"], i["amount_cents"]) for i in flows["items"]] == [
        ("rental_charge_lowered", "out", 1_700)
    ]
    assert flows["net_cents"] == -1_700

    # a trip never charged: the whole recomputed charge is the difference
    other, _, renting = await stuck_trip(rental, "locked", hours=2)
    raised = await rental.post(f"/orders/{renting}/exception-fix", fix(rental, minutes_ago=55))
    flows = await fund_flows_of(rental, other)
    assert [(i["kind"], i["direction"], i["amount_cents"]) for i in flows["items"]] == [
        ("rental_charge_raised", "in", 300)
    ]
    assert flows["items"][0]["reference"] == f"fix:{raised['id']}"
    sums = await rental.pool.fetchrow("SELECT * FROM accounts WHERE user_id = $1", other)
    assert (sums["balance_cents"], sums["deposit_cents"], sums["held_cents"]) == (0, 0, 0)
