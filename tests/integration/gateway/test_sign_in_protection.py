"""Sign-in throttling and lock-out, per account and per client address.

Before: 20 sequential and 24 parallel wrong passwords all got 401 and the right one
still 200; nothing was audited, and the typed username was logged in clear.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from services.gateway import audit
from tests.integration.gateway.conftest import GatewayUnderTest, new_key

pytestmark = pytest.mark.integration
PASSWORD = "the right password 42"


@asynccontextmanager
async def from_address(gateway: GatewayUnderTest) -> AsyncIterator[httpx.AsyncClient]:
    """A client at an address of its own (so no other test's failures count against it)."""
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    transport = httpx.ASGITransport(app=gateway.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def new_account(gateway: GatewayUnderTest) -> str:
    name = f"guard.{uuid.uuid4().hex[:8]}"
    created = await gateway.http.post(
        "/api/v1/admin/users",
        json={"username": name, "password": PASSWORD, "roles": ["agent"]},
        headers={**await gateway.as_user("admin"), "Idempotency-Key": new_key()},
    )
    assert created.status_code == 201, created.text
    return name


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )


async def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    gateway: GatewayUnderTest,
) -> None:
    name = await new_account(gateway)
    async with from_address(gateway) as client:
        for _ in range(5):
            assert (await sign_in(client, name, "a wrong password")).status_code == 401
        locked = await sign_in(client, name, PASSWORD)
    assert (locked.status_code, locked.json()["code"]) == (429, "too_many_attempts")
    assert 55 <= int(locked.headers["Retry-After"]) <= 60
    async with from_address(gateway) as elsewhere:  # the account's lock follows it
        again = await sign_in(elsewhere, name, PASSWORD)
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) <= int(locked.headers["Retry-After"])
    events = Counter(e.event for e in await audit.events_of(gateway.app.state.gateway.pool, name))
    assert events == {"sign_in_refused": 5, "sign_in_locked": 2}


async def test_a_right_password_forgives_the_accounts_failures(gateway: GatewayUnderTest) -> None:
    name = await new_account(gateway)
    async with from_address(gateway) as client:
        for _ in range(4):
            assert (await sign_in(client, name, "a wrong password")).status_code == 401
        assert (await sign_in(client, name, PASSWORD)).status_code == 200
        for _ in range(4):
            assert (await sign_in(client, name, "a wrong password")).status_code == 401
        assert (await sign_in(client, name, PASSWORD)).status_code == 200


async def test_a_parallel_burst_reaches_the_password_check_at_most_five_times(
    gateway: GatewayUnderTest,
) -> None:
    name = await new_account(gateway)
    async with from_address(gateway) as client:
        answers = await asyncio.gather(*(sign_in(client, name, f"guess {i}") for i in range(24)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {401: 5, 429: 19}, statuses


async def test_one_address_guessing_many_accounts_is_locked_out(
    gateway: GatewayUnderTest,
) -> None:
    allowed = gateway.settings.sign_in_failures_per_address
    victim = await new_account(gateway)
    async with from_address(gateway) as client:
        for i in range(allowed):
            wrong = await sign_in(client, f"nobody.{i}.{uuid.uuid4().hex[:6]}", "guess")
            assert wrong.status_code == 401
        locked = await sign_in(client, victim, PASSWORD)
        assert (locked.status_code, locked.json()["code"]) == (429, "too_many_attempts")
    async with from_address(gateway) as other:  # the account itself is not locked
        assert (await sign_in(other, victim, PASSWORD)).status_code == 200


async def test_a_password_typed_as_a_username_is_neither_kept_nor_logged(
    gateway: GatewayUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    typed = f"secret-{uuid.uuid4().hex}"
    pool = gateway.app.state.gateway.pool
    with caplog.at_level(logging.DEBUG):
        async with from_address(gateway) as client:
            assert (await sign_in(client, typed, "whatever")).status_code == 401
    assert typed not in caplog.text
    kept = await pool.fetchval(
        "SELECT count(*) FROM auth_events WHERE username = $1 OR detail::text LIKE $2",
        typed,
        f"%{typed}%",
    )
    assert kept == 0
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM sign_in_attempts WHERE subject LIKE $1", f"%{typed}%"
        )
        == 0
    )
