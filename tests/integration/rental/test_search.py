"""What an agent on the phone searches by (seed 001 2.3, 2.8, 3.1): the last four digits of a
phone and the beginning of a name, the account list with balance and deposit, orders by end time
(today's returns), and a bike by its number with its current order and lock."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta

import httpx
import pytest

from services.rental.domain.query import UserQuery, phone_match
from services.rental.store.users import search_sql
from shared.contracts import RENTAL_PAYMENT_RECEIVED
from tests.integration.rental.conftest import AGENT, Rental, new_id
from tests.integration.rental.test_account_support import (
    accounts,
    payment,
    rental_gateway,
    signed_in,
)

pytestmark = pytest.mark.integration
__all__ = ["accounts", "rental_gateway"]
USER = "SELECT 1 FROM users WHERE user_id = $1"
TRIP = "SELECT * FROM trips WHERE trip_id = $1"


def phone_ending(last4: str) -> str:
    return f"13{random.randint(0, 99_999):05d}{last4}"


async def customers(rental: Rental, names: list[str], last4: str) -> list[str]:
    """Users with these names and phones ending in ``last4``, registered in this order."""
    base = rental.clock.now - timedelta(days=30)
    users = [
        await rental.register(name=n, phone_no=phone_ending(last4), at=base + timedelta(minutes=i))
        for i, n in enumerate(names)
    ]
    for user in users:
        await rental.wait_row(USER, user)
    return users


async def test_users_by_the_last_four_digits_and_the_beginning_of_the_name(
    accounts: Rental,
) -> None:
    last4 = f"{random.randint(0, 9999):04d}"
    tag = uuid.uuid4().hex[:6]
    ouyang, ouyang2, wang = await customers(
        accounts, [f"欧阳{tag}娜", f"欧阳{tag}明", f"王{tag}"], last4
    )

    by_phone = await accounts.get("/users", phone=last4)
    assert {ouyang, ouyang2, wang} <= {u["user_id"] for u in by_phone["items"]}
    assert all(u["phone"].endswith(last4) for u in by_phone["items"])
    by_start = await accounts.get("/users", name=f"欧阳{tag}")
    assert [u["user_id"] for u in by_start["items"]] == [ouyang2, ouyang]
    assert [u["user_id"] for u in (await accounts.get("/users", name=f"欧阳{tag}娜"))["items"]] == [
        ouyang
    ]
    surname = await accounts.get("/users", phone=last4, name="欧阳")
    assert {u["user_id"] for u in surname["items"]} >= {ouyang, ouyang2}
    assert wang not in {u["user_id"] for u in surname["items"]}
    assert (await accounts.get("/users", name=tag))["items"] == []  # the middle is not a start
    for bad in ({"phone": "12"}, {"phone": "13x"}, {"name": " "}):
        refused = await accounts.http.get("/users", params=bad, headers=AGENT)
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_query"), bad


async def test_the_account_list_shows_balance_and_deposit(accounts: Rental) -> None:
    last4 = f"{random.randint(0, 9999):04d}"
    tag = uuid.uuid4().hex[:6]
    paying, idle = await customers(accounts, [f"李{tag}甲", f"李{tag}乙"], last4)
    events = [payment(paying, "top_up", 5_000), payment(paying, "deposit", 29_900)]
    for event in events:
        await accounts.publish(
            RENTAL_PAYMENT_RECEIVED.name, event, key=paying, ce_id=event["event_id"]
        )
    for event in events:
        await accounts.wait_row(
            "SELECT 1 FROM account_ledger WHERE reference = $1", event["payment_id"]
        )

    page = await accounts.get("/accounts", phone=last4, name=f"李{tag}")
    rows = {a["user_id"]: a for a in page["items"]}
    assert set(rows) == {paying, idle} and page["has_more"] is False
    assert (rows[paying]["balance_cents"], rows[paying]["deposit_cents"]) == (5_000, 29_900)
    assert (rows[paying]["balance_yuan"], rows[paying]["deposit_yuan"]) == ("50.00", "299.00")
    assert (rows[idle]["balance_cents"], rows[idle]["card_state"]) == (0, "active")
    assert rows[paying]["phone"].endswith(last4) and "****" in rows[paying]["phone"]
    one = await accounts.get("/accounts", user_id=paying)
    assert [a["user_id"] for a in one["items"]] == [paying]
    first = await accounts.get("/accounts", name=f"李{tag}", limit=1)
    rest = await accounts.get("/accounts", name=f"李{tag}", limit=1, cursor=first["next_cursor"])
    assert [first["items"][0]["user_id"], rest["items"][0]["user_id"]] == [idle, paying]


async def test_orders_by_end_time_give_the_days_returns(accounts: Rental) -> None:
    tz = accounts.settings.tz
    today = accounts.clock.now.astimezone(tz).date()
    midnight = datetime.combine(today, time(), tz)
    user = await accounts.register()
    await accounts.wait_row(USER, user)
    trips = {}
    for label, start, end, at_point in (
        ("today", midnight - timedelta(hours=2), midnight + timedelta(minutes=10), True),
        ("yesterday", midnight - timedelta(hours=5), midnight - timedelta(hours=4), True),
        ("held", midnight - timedelta(hours=3), midnight + timedelta(minutes=5), False),
    ):
        bike = new_id("b")
        trip = await accounts.start_trip(user, bike_id=bike, at=start)
        await accounts.end_trip(user, trip, bike, at=end, at_point=at_point)
        trips[label] = trip
    for trip in trips.values():
        await accounts.wait_row(f"{TRIP} AND status <> 'renting'", trip)

    window = {"ended_from": midnight.isoformat(), "user_id": user}
    ended_today = await accounts.get("/orders", **window)
    assert {o["trip_id"] for o in ended_today["items"]} == {trips["today"], trips["held"]}
    returns = await accounts.get("/orders", status="ended", **window)
    assert [o["trip_id"] for o in returns["items"]] == [trips["today"]]
    before = await accounts.get("/orders", user_id=user, ended_before=midnight.isoformat())
    assert [o["trip_id"] for o in before["items"]] == [trips["yesterday"]]


async def test_a_bike_by_its_number(accounts: Rental) -> None:
    user = await accounts.register()
    await accounts.wait_row(USER, user)
    bike = new_id("b")
    trip = await accounts.start_trip(user, bike_id=bike)
    await accounts.wait_row(TRIP, trip)
    await accounts.lock(bike, "fault")
    await accounts.wait_row("SELECT 1 FROM bike_locks WHERE bike_id = $1", bike)

    out = await accounts.get(f"/bikes/{bike}")
    assert (out["status"], out["lock_state"], out["current_trip_id"]) == ("rented", "fault", trip)
    assert out["current_order"]["trip_id"] == trip and out["current_order"]["user_id"] == user
    await accounts.end_trip(user, trip, bike)
    await accounts.wait_row(f"{TRIP} AND status = 'ended'", trip)
    back = await accounts.get(f"/bikes/{bike}")
    assert (back["status"], back["current_order"]) == ("idle", None)
    assert back["latest_order"]["trip_id"] == trip
    missing = await accounts.http.get("/bikes/no-such-bike", headers=AGENT)
    assert (missing.status_code, missing.json()["code"]) == (404, "bike_not_found")


async def test_the_new_searches_through_the_gateway(
    accounts: Rental, rental_gateway: httpx.AsyncClient
) -> None:
    last4 = f"{random.randint(0, 9999):04d}"
    tag = uuid.uuid4().hex[:6]
    [user] = await customers(accounts, [f"孙{tag}"], last4)
    bike = new_id("b")
    trip = await accounts.start_trip(user, bike_id=bike)
    await accounts.wait_row(TRIP, trip)
    agent = await signed_in(rental_gateway, "agent")
    R = "/api/v1/rental"
    listed = await rental_gateway.get(
        f"{R}/accounts", params={"phone": last4, "name": f"孙{tag}"}, headers=agent
    )
    assert listed.status_code == 200, listed.text
    assert [a["user_id"] for a in listed.json()["items"]] == [user]
    found = await rental_gateway.get(f"{R}/bikes/{bike}", headers=agent)
    assert found.status_code == 200 and found.json()["current_order"]["trip_id"] == trip
    ended = await rental_gateway.get(
        f"{R}/orders", params={"ended_from": accounts.clock.now.isoformat()}, headers=agent
    )
    assert ended.status_code == 200, ended.text
    cashier = await signed_in(rental_gateway, "cashier")
    assert (await rental_gateway.get(f"{R}/accounts", headers=cashier)).status_code == 403


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (UserQuery(phone=phone_match("8000")), "users_by_phone_last4"),
        (UserQuery(name="张伟"), "users_by_name_prefix"),
        (UserQuery(name="张伟", phone=phone_match("8000")), "users_by_"),
    ],
)
async def test_the_phone_and_name_searches_are_index_ranges(
    accounts: Rental, query: UserQuery, index: str
) -> None:
    """Even as a generic plan (a prepared statement reused), the last four digits and a
    name's beginning (two characters or more: few users share them, so they are taken
    whole, then ordered) are ranges of their indexes, never a walk of every user."""
    sql, args = search_sql(query)
    literals = ", ".join(
        str(a) if isinstance(a, int) else "'" + a.replace("'", "''") + "'" for a in args
    )
    name = f"search_{uuid.uuid4().hex[:8]}"
    async with accounts.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        await conn.execute("SET LOCAL enable_seqscan = off")
        await conn.execute(f"PREPARE {name} AS {sql}")
        rows = await conn.fetch(f"EXPLAIN EXECUTE {name}({literals})")
        await conn.execute(f"DEALLOCATE {name}")
    plan = "\n".join(r[0] for r in rows)
    assert "$1" in plan, plan  # the generic plan: parameters, not values
    assert index in plan and "Seq Scan" not in plan, plan
    assert "Index Cond" in plan, plan
    assert ("CTE" in plan) == (query.name is not None), plan
