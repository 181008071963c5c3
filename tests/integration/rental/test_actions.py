"""Action flags say what the service will allow (issue 12 point 1): for each state and role,
every action offered is accepted, and every action not offered is refused, changing
nothing. One rule decides both (the caller's roles, the user's state, the latest order
and its bike's lock)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.rental.conftest import AGENT, Rental, new_id

pytestmark = pytest.mark.integration
LEAD = {"X-Kefu-Actor": "lead.wang", "X-Kefu-Roles": "duty_lead"}
OPS = {"X-Kefu-Actor": "ops.zhao", "X-Kefu-Roles": "ops_supervisor"}
ROLES = {"agent": AGENT, "duty_lead": LEAD, "ops_supervisor": OPS}
USER_ACTIONS = ("status_fix", "blacklist", "restore_from_blacklist", "delete", "restore")
PATHS = {
    "status_fix": "status",
    "blacklist": "blacklist",
    "restore_from_blacklist": "blacklist/restore",
    "delete": "delete",
    "restore": "restore",
}
USER = "SELECT * FROM users WHERE user_id = $1"
TRIP = "SELECT * FROM trips WHERE trip_id = $1"


async def with_trip(rental: Rental, lock: str | None, *, ended: bool = False) -> str:
    user = await rental.register()
    bike = new_id("b")
    trip = await rental.start_trip(user, bike_id=bike)
    if ended:
        await rental.end_trip(user, trip, bike)
        await rental.wait_row(f"{TRIP} AND status = 'ended'", trip)
    else:
        await rental.wait_row(TRIP, trip)
    if lock is not None:
        await rental.lock(bike, lock)
        await rental.wait_row("SELECT 1 FROM bike_locks WHERE bike_id = $1", bike)
    return user


async def renting_unlocked(rental: Rental) -> str:
    return await with_trip(rental, "unlocked")


async def renting_locked(rental: Rental) -> str:
    return await with_trip(rental, "locked")


async def returned(rental: Rental) -> str:
    return await with_trip(rental, None, ended=True)


async def blacklisted(rental: Rental) -> str:
    user = await returned(rental)
    await rental.post(f"/users/{user}/blacklist", {"reason": "多次恶意停车"}, actor=LEAD)
    return user


async def deleted(rental: Rental) -> str:
    user = await returned(rental)
    await rental.post(f"/users/{user}/delete", {"reason": "重复注册"}, actor=LEAD)
    return user


STATES: dict[str, Callable[[Rental], Awaitable[str]]] = {
    "renting, lock unlocked": renting_unlocked,
    "renting, lock locked": renting_locked,
    "returned": returned,
    "blacklisted": blacklisted,
    "deleted": deleted,
}


async def run(rental: Rental, user: str, action: str, who: dict[str, str]) -> Any:
    detail = await rental.get(f"/users/{user}")
    latest = detail["latest_order"]["trip_id"] if detail["latest_order"] else "none"
    body = {"trip_id": latest, "status": "idle", "reason": "客户来电"}
    return await rental.http.post(f"/users/{user}/{PATHS[action]}", json=body, headers=who)


@pytest.mark.parametrize("state", list(STATES))
async def test_a_users_actions_are_exactly_what_the_service_accepts(
    rental: Rental, state: str
) -> None:
    for role, who in ROLES.items():
        user = await STATES[state](rental)
        offered = (await rental.http.get(f"/users/{user}", headers=who)).json()["actions"]
        assert set(offered) <= set(USER_ACTIONS)
        before = dict(await rental.row(USER, user))
        for action in USER_ACTIONS:
            if action in offered:
                continue
            refused = await run(rental, user, action, who)
            assert refused.status_code in (403, 409), (state, role, action, refused.text)
            assert dict(await rental.row(USER, user)) == before, (state, role, action)
        for action in offered:
            fresh = await STATES[state](rental)
            accepted = await run(rental, fresh, action, who)
            assert accepted.status_code == 200, (state, role, action, accepted.text)


async def test_expected_offers(rental: Rental) -> None:
    """The seed's rules, spelled out: the lock guard, the duty lead's delete, a reader."""
    unlocked = await renting_unlocked(rental)
    assert (await rental.get(f"/users/{unlocked}"))["actions"] == ["blacklist"]
    locked = await renting_locked(rental)
    assert (await rental.get(f"/users/{locked}"))["actions"] == ["status_fix", "blacklist"]
    idle = await returned(rental)
    lead_sees = (await rental.http.get(f"/users/{idle}", headers=LEAD)).json()["actions"]
    assert lead_sees == ["status_fix", "blacklist", "delete"]
    ops_sees = (await rental.http.get(f"/users/{idle}", headers=OPS)).json()["actions"]
    assert ops_sees == []


async def test_an_orders_fix_is_offered_exactly_when_accepted(rental: Rental) -> None:
    for lock, who, offered in (
        ("locked", AGENT, True),
        ("locked", OPS, False),
        ("unlocked", AGENT, False),
    ):
        user = await with_trip(rental, lock)
        trip = (await rental.get(f"/users/{user}"))["latest_order"]["trip_id"]
        order = (await rental.http.get(f"/orders/{trip}", headers=who)).json()
        assert order["actions"] == (["exception_fix"] if offered else []), (lock, who)
        body = {
            "ended_at": (rental.clock.now - timedelta(minutes=30)).isoformat(),
            "reason": "车锁关不上",
        }
        response = await rental.http.post(f"/orders/{trip}/exception-fix", json=body, headers=who)
        assert (response.status_code == 200) == offered, response.text
        if not offered:
            assert response.json()["code"] in ("role_required", "lock_not_locked")
            assert (await rental.row(TRIP, trip))["status"] == "renting"


async def test_feedback_decisions_are_offered_exactly_when_accepted(rental: Rental) -> None:
    user = await rental.register()
    await rental.wait_row(USER, user)
    pending = await rental.feedback(user)
    await rental.wait_row("SELECT 1 FROM feedback WHERE feedback_id = $1", pending)
    assert (await rental.get(f"/feedback/{pending}"))["actions"] == ["accept", "reject"]
    ops = (await rental.http.get(f"/feedback/{pending}", headers=OPS)).json()
    assert ops["actions"] == []
    refused = await rental.http.post(
        f"/feedback/{pending}/accept", json={"reason": None}, headers=OPS
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "role_required")
    listed = await rental.get("/feedback", user_id=user)
    assert listed["items"][0]["actions"] == ["accept", "reject"]
    done = await rental.post(f"/feedback/{pending}/accept", {"reason": None})
    assert done["actions"] == []
    again = await rental.post(f"/feedback/{pending}/reject", {"reason": "重复"}, status=409)
    assert again["code"] == "already_decided"
    for who in ROLES.values():
        seen = (await rental.http.get(f"/feedback/{pending}", headers=who)).json()
        assert seen["actions"] == []
