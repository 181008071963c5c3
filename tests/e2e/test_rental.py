"""The rental service through the gateway and real processes: the bike platform's events in,
an agent's exception fix and blacklist out, a rejected feedback in the user's inbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.contracts import (
    RENTAL_FEEDBACK_SUBMITTED,
    RENTAL_LOCK_STATE_REPORTED,
    RENTAL_TRIP_STARTED,
    RENTAL_USER_BLACKLISTED,
    RENTAL_USER_REGISTERED,
    FeedbackSubmitted,
    LockStateReported,
    RentalPoint,
    TripStarted,
    UserRegistered,
)
from shared.devstack.stack import Stack
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.helpers import Agent, Platform, phone
from tests.infra import eventually as until

pytestmark = pytest.mark.e2e
R = "/api/v1/rental"
POINT = RentalPoint(
    point_id="P12",
    name="西湖断桥租赁点",
    latitude=Decimal("30.259244"),
    longitude=Decimal("120.1302"),
)


def ident(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def tech(stack: Stack) -> AsyncIterator[Agent]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=15.0) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"username": "tech", "password": DEMO_PASSWORD}
        )
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        yield Agent(client)


async def renting_user(platform: Platform, lock: str) -> tuple[str, str, str]:
    now = datetime.now(UTC)
    user, bike, trip = ident("u"), ident("b"), ident("t")
    await platform.publish(
        RENTAL_USER_REGISTERED,
        UserRegistered(
            event_id=ident("e"),
            user_id=user,
            phone=phone(),
            name="李四",
            registered_at=now - timedelta(days=3),
        ),
    )
    await platform.publish(
        RENTAL_TRIP_STARTED,
        TripStarted(
            event_id=ident("e"),
            trip_id=trip,
            user_id=user,
            bike_id=bike,
            started_at=now - timedelta(minutes=90),
            start_point=POINT,
        ),
    )
    await platform.publish(
        RENTAL_LOCK_STATE_REPORTED,
        LockStateReported(
            event_id=ident("e"), bike_id=bike, state=lock, reported_at=now - timedelta(minutes=1)
        ),
    )
    return user, bike, trip


async def order_when(agent: Agent, trip: str, ready: Any) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await agent.get(f"{R}/orders/{trip}")
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 and ready(body) else None

    return await until(probe, within=30.0, what=f"order {trip}")


async def test_an_agent_fixes_a_stuck_rental_through_the_gateway(
    agent: Agent, tech: Agent, platform: Platform
) -> None:
    user, _, trip = await renting_user(platform, "locked")
    detail = await order_when(agent, trip, lambda o: o["bike"]["lock_state"] == "locked")
    assert detail["status"] == "renting" and detail["fixable"]
    assert detail["start_point"]["latitude"] == "30.259244"

    body = {
        "ended_at": (datetime.now(UTC) - timedelta(minutes=40)).isoformat(),
        "reason": "车锁关不上，用户来电",
    }
    no_key = await agent.client.post(f"{R}/orders/{trip}/exception-fix", json=body)
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
    forbidden = await tech.post(f"{R}/orders/{trip}/exception-fix", body)
    assert forbidden.status_code == 403

    key = str(uuid.uuid4())
    fixed = await agent.post(f"{R}/orders/{trip}/exception-fix", body, key=key)
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["new_charge_cents"] == 200 and fixed.json()["actor"] == "agent"
    replay = await agent.post(f"{R}/orders/{trip}/exception-fix", body, key=key)
    assert replay.json() == fixed.json()  # the same answer, not a second fix

    after = (await agent.get(f"{R}/orders/{trip}")).json()
    assert after["status"] == "ended" and len(after["fixes"]) == 1
    assert (await agent.get(f"{R}/users/{user}")).json()["status"] == "idle"


async def test_a_fix_is_refused_while_the_lock_is_open(agent: Agent, platform: Platform) -> None:
    _, _, trip = await renting_user(platform, "unlocked")
    await order_when(agent, trip, lambda o: o["bike"]["lock_state"] == "unlocked")
    body = {"ended_at": datetime.now(UTC).isoformat(), "reason": "user says it is locked"}
    refused = await agent.post(f"{R}/orders/{trip}/exception-fix", body)
    assert refused.status_code == 409 and refused.json()["code"] == "lock_not_locked"
    assert (await agent.get(f"{R}/orders/{trip}")).json()["status"] == "renting"


async def test_while_the_lock_is_open_the_status_fix_is_refused_and_not_offered(
    agent: Agent, platform: Platform
) -> None:
    """Seed 001 3.1 step 4, through the stack: one lock guard for both commands; the bike
    is found by its number, the caller by the last four digits of the phone."""
    user, bike, trip = await renting_user(platform, "unlocked")
    await order_when(agent, trip, lambda o: o["bike"]["lock_state"] == "unlocked")
    detail = (await agent.get(f"{R}/users/{user}")).json()
    assert "status_fix" not in detail["actions"] and "blacklist" in detail["actions"]
    body = {"trip_id": trip, "status": "idle", "reason": "user says the trip is stuck"}
    refused = await agent.post(f"{R}/users/{user}/status", body)
    assert (refused.status_code, refused.json()["code"]) == (409, "lock_not_locked")
    assert (await agent.get(f"{R}/users/{user}")).json()["status"] == "renting"

    found = (await agent.get(f"{R}/bikes/{bike}")).json()
    assert (found["lock_state"], found["current_order"]["trip_id"]) == ("unlocked", trip)
    phone_end = detail["phone"][-4:]
    by_last_four = (await agent.get(f"{R}/users", phone=phone_end, name="李")).json()
    assert user in {u["user_id"] for u in by_last_four["items"]}
    garbage = await agent.get(f"{R}/users", cursor="garbage")
    assert (garbage.status_code, garbage.json()["code"]) == (422, "invalid_cursor")


async def test_blacklisting_tells_the_platform(agent: Agent, platform: Platform) -> None:
    user, _, trip = await renting_user(platform, "locked")
    await order_when(agent, trip, lambda o: True)
    found = (await agent.get(f"{R}/users", user_id=user)).json()["items"]
    assert [u["user_id"] for u in found] == [user] and "****" in found[0]["phone"]
    done = await agent.post(f"{R}/users/{user}/blacklist", {"reason": "多次恶意停车"})
    assert done.status_code == 200, done.text
    [record] = await platform.read(RENTAL_USER_BLACKLISTED.name, lambda r: r.key == user.encode())
    assert b"agent" in record.value


async def test_a_rejected_feedback_reaches_the_users_inbox(
    agent: Agent, platform: Platform
) -> None:
    user, _, _ = await renting_user(platform, "locked")
    feedback = ident("f")
    await platform.publish(
        RENTAL_FEEDBACK_SUBMITTED,
        FeedbackSubmitted(
            event_id=ident("e"),
            feedback_id=feedback,
            user_id=user,
            content="扣费不对",
            submitted_at=datetime.now(UTC),
        ),
    )

    async def arrived() -> bool:
        return (await agent.get(f"{R}/feedback/{feedback}")).status_code == 200

    await until(arrived, within=30.0, what="feedback arrived")
    rejected = await agent.post(f"{R}/feedback/{feedback}/reject", {"reason": "费用无误"})
    assert rejected.status_code == 200, rejected.text

    async def told() -> list[dict[str, Any]]:
        inbox = (await agent.get(f"/api/v1/notify/users/{user}/inbox")).json()
        items: list[dict[str, Any]] = inbox.get("items", [])
        return items

    [message] = await until(told, within=30.0, what="the user's in-app message")
    assert "费用无误" in message["body"]
