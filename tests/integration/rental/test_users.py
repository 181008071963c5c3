"""Users over the HTTP API: search, detail, blacklist, soft delete, status fix."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.contracts import RENTAL_USER_BLACKLISTED, RENTAL_USER_RESTORED
from tests.integration.rental.conftest import Rental, new_id, phone

pytestmark = pytest.mark.integration

USER = "SELECT * FROM users WHERE user_id = $1"
LEAD = {"X-Kefu-Actor": "lead.wang", "X-Kefu-Roles": "duty_lead"}
TRIP = "SELECT * FROM trips WHERE trip_id = $1"


async def test_search_by_each_filter_with_keyset_pages(rental: Rental) -> None:
    name = f"王{new_id('n')}"
    shared_phone = phone()
    base = rental.clock.now - timedelta(days=10)
    users = [
        await rental.register(name=name, at=base + timedelta(hours=n), phone_no=shared_phone)
        for n in range(5)
    ]
    for u in users:
        await rental.wait_row(USER, u)

    first = await rental.get("/users", name=name, limit=2)
    assert [u["user_id"] for u in first["items"]] == users[::-1][:2]
    assert first["items"][0]["phone"] == f"{shared_phone[:3]}****{shared_phone[-4:]}"
    second = await rental.get("/users", name=name, limit=2, cursor=first["next_cursor"])
    third = await rental.get("/users", name=name, limit=2, cursor=second["next_cursor"])
    assert [u["user_id"] for u in second["items"] + third["items"]] == users[::-1][2:]
    assert third["next_cursor"] is None

    by_phone = await rental.get("/users", phone=shared_phone)
    assert {u["user_id"] for u in by_phone["items"]} == set(users)
    by_id = await rental.get("/users", user_id=users[2])
    assert [u["user_id"] for u in by_id["items"]] == [users[2]]
    window = await rental.get(
        "/users",
        phone=shared_phone,
        registered_from=(base + timedelta(hours=1)).isoformat(),
        registered_before=(base + timedelta(hours=3)).isoformat(),
    )
    assert [u["user_id"] for u in window["items"]] == [users[2], users[1]]
    idle = await rental.get("/users", phone=shared_phone, status="idle")
    renting = await rental.get("/users", phone=shared_phone, status="renting")
    assert len(idle["items"]) == 5 and renting["items"] == []


async def test_bad_queries_are_refused(rental: Rental) -> None:
    for params, code in (
        ({"cursor": "garbage"}, "invalid_cursor"),
        ({"registered_from": "2026-01-02T00:00:00", "phone": "1"}, "invalid_query"),
        ({"status": "flying"}, "invalid_request"),
        ({"limit": 0}, "invalid_request"),
    ):
        response = await rental.http.get(
            "/users", params=params, headers={"X-Kefu-Actor": "a", "X-Kefu-Roles": "agent"}
        )
        assert response.status_code == 422, params
        assert response.json()["code"] == code


async def test_detail_and_rental_detail_show_the_rental_points(rental: Rental) -> None:
    user = await rental.register()
    trip = await rental.start_trip(user)
    await rental.wait_row(TRIP, trip)
    detail = await rental.get(f"/users/{user}")
    assert detail["status"] == "renting"
    assert detail["latest_order"]["trip_id"] == trip
    rentals = await rental.get(f"/users/{user}/rentals")
    point = rentals["items"][0]["start_point"]
    assert (point["latitude"], point["longitude"]) == ("30.259244", "120.130200")
    missing = await rental.http.get("/users/nobody", headers={"X-Kefu-Actor": "a"})
    assert missing.status_code == 404 and missing.json()["code"] == "user_not_found"


async def test_blacklist_and_restore_publish_and_record(rental: Rental) -> None:
    user = await rental.register()
    await rental.wait_row(USER, user)
    refused = await rental.post(f"/users/{user}/blacklist", {"reason": " "}, status=422)
    assert refused["code"] == "reason_required"
    assert (await rental.row(USER, user))["blacklisted_at"] is None

    done = await rental.post(f"/users/{user}/blacklist", {"reason": "fake ID"})
    assert done["blacklisted"] and done["blacklisted_by"] == "agent.li"
    again = await rental.post(f"/users/{user}/blacklist", {"reason": "again"}, status=409)
    assert again["code"] == "already_blacklisted"
    listed = await rental.get("/blacklist", limit=200)
    assert user in [u["user_id"] for u in listed["items"]]
    [message] = await rental.seen.wait(RENTAL_USER_BLACKLISTED.name, lambda p: p["user_id"] == user)
    assert message["reason"] == "fake ID" and message["by"] == "agent.li"

    restored = await rental.post(f"/users/{user}/blacklist/restore", {"reason": "ID checked"})
    assert not restored["blacklisted"]
    await rental.seen.wait(RENTAL_USER_RESTORED.name, lambda p: p["user_id"] == user)
    not_on = await rental.post(f"/users/{user}/blacklist/restore", {"reason": "x"}, status=409)
    assert not_on["code"] == "not_blacklisted"
    actions = (await rental.get(f"/users/{user}"))["records"]
    assert [a["action"] for a in actions] == ["restore_from_blacklist", "blacklist"]


async def test_soft_delete_hides_and_restore_brings_back(rental: Rental) -> None:
    user = await rental.register()
    await rental.wait_row(USER, user)
    deleted = await rental.post(
        f"/users/{user}/delete", {"reason": "duplicate account"}, actor=LEAD
    )
    assert deleted["deleted"]
    assert (await rental.get("/users", user_id=user))["items"] == []
    only = await rental.get("/users", user_id=user, deleted="only")
    assert [u["user_id"] for u in only["items"]] == [user]
    refused = await rental.post(f"/users/{user}/blacklist", {"reason": "x"}, status=409)
    assert refused["code"] == "user_deleted"
    twice = await rental.post(f"/users/{user}/delete", {"reason": "x"}, status=409, actor=LEAD)
    assert twice["code"] == "user_deleted"
    await rental.post(f"/users/{user}/restore", {"reason": "deleted by mistake"}, actor=LEAD)
    assert [u["user_id"] for u in (await rental.get("/users", user_id=user))["items"]] == [user]
    not_deleted = await rental.post(
        f"/users/{user}/restore", {"reason": "x"}, status=409, actor=LEAD
    )
    assert not_deleted["code"] == "user_not_deleted"


async def test_a_renting_user_is_not_deleted(rental: Rental) -> None:
    user = await rental.register()
    trip = await rental.start_trip(user)
    await rental.wait_row(TRIP, trip)
    refused = await rental.post(f"/users/{user}/delete", {"reason": "x"}, status=409, actor=LEAD)
    assert refused["code"] == "user_renting"
    assert (await rental.row(USER, user))["deleted_at"] is None


async def test_status_fix_only_on_the_latest_order(rental: Rental) -> None:
    user = await rental.register()
    now = rental.clock.now
    old = await rental.start_trip(user, at=now - timedelta(hours=5))
    await rental.wait_row(TRIP, old)
    bike = new_id("b")
    latest = await rental.start_trip(user, bike_id=bike, at=now - timedelta(hours=1))
    await rental.wait_row(TRIP, latest)
    await locked(rental, bike, "locked")

    refused = await rental.post(
        f"/users/{user}/status", {"trip_id": old, "status": "idle", "reason": "stuck"}, status=409
    )
    assert refused["code"] == "not_latest_order"
    assert (await rental.row(USER, user))["status"] == "renting"

    fixed = await rental.post(
        f"/users/{user}/status", {"trip_id": latest, "status": "idle", "reason": "stuck"}
    )
    assert fixed["status"] == "idle"
    [action] = (await rental.get(f"/users/{user}"))["records"]
    assert (action["old_status"], action["new_status"], action["trip_id"]) == (
        "renting",
        "idle",
        latest,
    )


async def locked(rental: Rental, bike: str, state: str, minutes_ago: float = 5) -> None:
    """The bike's lock reported ``state`` (and the service has it)."""
    await rental.lock(bike, state, at=rental.clock.now - timedelta(minutes=minutes_ago))
    await rental.wait_row("SELECT 1 FROM bike_locks WHERE bike_id = $1 AND state = $2", bike, state)


async def test_status_fix_obeys_the_lock_guard_of_the_exception_fix(rental: Rental) -> None:
    """Seed 001 3.1 step 4: while the lock is not locked the agent changes nothing, by either
    command; once it reports locked, both are allowed."""
    user = await rental.register()
    bike = new_id("b")
    trip = await rental.start_trip(user, bike_id=bike)
    await rental.wait_row(TRIP, trip)
    body = {"trip_id": trip, "status": "idle", "reason": "user says the trip is stuck"}
    for minutes_ago, state in ((0, None), (4, "unlocked"), (3, "fault")):
        if state is not None:
            await locked(rental, bike, state, minutes_ago)
        refused = await rental.post(f"/users/{user}/status", body, status=409)
        assert refused["code"] == "lock_not_locked", state
        order = await rental.get(f"/orders/{trip}")
        assert order["fixable"] is False
    assert (await rental.row(USER, user))["status"] == "renting"
    assert (await rental.row(TRIP, trip))["status"] == "renting"
    assert (await rental.get(f"/users/{user}"))["records"] == []

    await locked(rental, bike, "locked", 2)
    assert (await rental.get(f"/orders/{trip}"))["fixable"] is True
    fixed = await rental.post(f"/users/{user}/status", body)
    assert fixed["status"] == "idle"
