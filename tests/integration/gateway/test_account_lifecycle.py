"""Taking access away: sign-out, disable, password change and reset, role rules; audited.

Before: no logout, disable, password change or reset route (only a database edit took
access away), and an admin could create an account holding admin and cashier at once.
"""

from __future__ import annotations

import uuid
from collections import Counter

import asyncpg
import httpx
import pytest

from services.gateway import audit, store
from services.gateway.accounts import Accounts
from tests.infra import eventually
from tests.integration.gateway.conftest import GatewayUnderTest, new_key

pytestmark = pytest.mark.integration
PASSWORD = "first password 2026"
A = "/api/v1/admin/users"


async def account(gateway: GatewayUnderTest, roles: list[str] | None = None) -> str:
    name = f"life.{uuid.uuid4().hex[:8]}"
    created = await gateway.http.post(
        A,
        json={"username": name, "password": PASSWORD, "roles": roles or ["agent"]},
        headers={**await gateway.as_user("admin"), "Idempotency-Key": new_key()},
    )
    assert created.status_code == 201, created.text
    return name


async def me(gateway: GatewayUnderTest, headers: dict[str, str]) -> httpx.Response:
    return await gateway.http.get("/api/v1/auth/me", headers=headers)


async def test_a_sign_out_ends_the_token_at_once(gateway: GatewayUnderTest) -> None:
    name = await account(gateway)
    first = await gateway.as_user(name, PASSWORD)
    assert (await me(gateway, first)).status_code == 200
    out = await gateway.http.post("/api/v1/auth/logout", headers=first)
    assert out.status_code == 204, out.text
    after = await me(gateway, first)
    assert (after.status_code, after.json()["code"]) == (401, "signed_out")
    again = await gateway.as_user(name, PASSWORD)  # a new sign-in works, even at once
    assert (await me(gateway, again)).status_code == 200


async def test_an_admin_disables_and_enables_an_account(gateway: GatewayUnderTest) -> None:
    admin = await gateway.as_user("admin")
    name = await account(gateway)
    token = await gateway.as_user(name, PASSWORD)
    disabled = await gateway.http.post(f"{A}/{name}/disable", headers=admin)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (await me(gateway, token)).status_code == 401
    refused = await gateway.http.post(
        "/api/v1/auth/login", json={"username": name, "password": PASSWORD}
    )
    assert refused.status_code == 401
    enabled = await gateway.http.post(f"{A}/{name}/enable", headers=admin)
    assert enabled.status_code == 200 and enabled.json()["active"] is True
    assert (await me(gateway, await gateway.as_user(name, PASSWORD))).status_code == 200
    own = await gateway.http.post(f"{A}/admin/disable", headers=admin)
    assert (own.status_code, own.json()["code"]) == (403, "own_account")
    missing = await gateway.http.post(f"{A}/nobody.{uuid.uuid4().hex[:6]}/disable", headers=admin)
    assert missing.status_code == 404
    agent = await gateway.as_user("agent")
    assert (await gateway.http.post(f"{A}/{name}/disable", headers=agent)).status_code == 403


async def test_a_user_changes_their_password_and_other_sessions_end(
    gateway: GatewayUnderTest,
) -> None:
    name = await account(gateway)
    other_session = await gateway.as_user(name, PASSWORD)
    session = await gateway.as_user(name, PASSWORD)
    wrong = await gateway.http.post(
        "/api/v1/auth/password",
        json={"current_password": "not it at all", "new_password": "a new password 77"},
        headers=session,
    )
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_password")
    changed = await gateway.http.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a new password 77"},
        headers=session,
    )
    assert changed.status_code == 200, changed.text
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await me(gateway, fresh)).status_code == 200
    assert (await me(gateway, other_session)).status_code == 401
    assert (await me(gateway, session)).status_code == 401
    assert await gateway.token(name, "a new password 77")


async def test_a_reset_forces_a_change_at_the_next_sign_in(gateway: GatewayUnderTest) -> None:
    admin = await gateway.as_user("admin")
    name = await account(gateway)
    reset = await gateway.http.post(
        f"{A}/{name}/password-reset", json={"new_password": "told by phone 123"}, headers=admin
    )
    assert reset.status_code == 204, reset.text
    assert (
        await gateway.http.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    ).status_code == 401
    temporary = await gateway.as_user(name, "told by phone 123")
    blocked = await gateway.http.get("/api/v1/vouchers", headers=temporary)
    assert (blocked.status_code, blocked.json()["code"]) == (403, "password_change_required")
    assert (await me(gateway, temporary)).status_code == 200
    changed = await gateway.http.post(
        "/api/v1/auth/password",
        json={"current_password": "told by phone 123", "new_password": "my own secret 456"},
        headers=temporary,
    )
    assert changed.status_code == 200, changed.text
    mine = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await gateway.http.get("/api/v1/vouchers", headers=mine)).status_code == 200
    events = Counter(e.event for e in await audit.events_of(gateway.app.state.gateway.pool, name))
    assert events["password_reset"] == 1 and events["password_changed"] == 1
    [by] = [
        e.actor
        for e in await audit.events_of(gateway.app.state.gateway.pool, name)
        if e.event == "password_reset"
    ]
    assert by == "admin"


async def test_admin_never_holds_a_financial_role_and_no_one_grants_their_own(
    gateway: GatewayUnderTest,
) -> None:
    admin = await gateway.as_user("admin")
    both = await gateway.http.post(
        A,
        json={
            "username": f"x.{uuid.uuid4().hex[:6]}",
            "password": PASSWORD,
            "roles": ["admin", "cashier"],
        },
        headers=admin,
    )
    assert (both.status_code, both.json()["code"]) == (422, "incompatible_roles")
    name = await account(gateway)
    granted = await gateway.http.post(
        f"{A}/{name}/roles", json={"roles": ["duty_lead"]}, headers=admin
    )
    assert granted.status_code == 200 and granted.json()["roles"] == ["duty_lead"]
    mixed = await gateway.http.post(
        f"{A}/{name}/roles", json={"roles": ["admin", "finance_director"]}, headers=admin
    )
    assert (mixed.status_code, mixed.json()["code"]) == (422, "incompatible_roles")
    own = await gateway.http.post(
        f"{A}/admin/roles", json={"roles": ["admin", "agent"]}, headers=admin
    )
    assert (own.status_code, own.json()["code"]) == (403, "own_account")
    [change] = [
        e
        for e in await audit.events_of(gateway.app.state.gateway.pool, name)
        if e.event == "roles_changed"
    ]
    assert (change.actor, change.detail["before"], change.detail["after"]) == (
        "admin",
        ["agent"],
        ["duty_lead"],
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def read_then_disabled_elsewhere(
    gateway: GatewayUnderTest,
) -> tuple[str, asyncpg.Pool, Clock, Accounts]:
    """An active account this gateway read (trusted 5 s), then disabled by another replica
    (here: in the database)."""
    name = await account(gateway)
    pool = gateway.app.state.gateway.pool
    clock = Clock()
    accounts = Accounts(pool, fresh_for=5.0, clock=clock)
    assert (user := await accounts.get(name)) is not None and user.active
    await store.set_active(pool, name, False)
    return name, pool, clock, accounts


async def test_an_account_changed_on_another_replica_is_read_again_within_seconds(
    gateway: GatewayUnderTest,
) -> None:
    """The gateway trusts an account it read for ``account_check_seconds``: a disable made
    through another replica (here: in the database) takes effect by then, one made
    through this gateway (``forget``) at once."""
    name, pool, clock, accounts = await read_then_disabled_elsewhere(gateway)
    clock.now += 4.9
    assert (user := await accounts.get(name)) is not None and user.active
    clock.now += 0.1
    assert (user := await accounts.get(name)) is not None and not user.active
    await store.set_active(pool, name, True)
    accounts.forget(name)  # this gateway's own change
    assert (user := await accounts.get(name)) is not None and user.active


async def test_an_account_in_use_is_read_again_in_the_background_before_it_is_stale(
    gateway: GatewayUnderTest,
) -> None:
    """From 4 of the 5 s on, a request is answered with the copy it has and starts the
    next read beside it: the requests after it find a fresh copy, and none waits."""
    name, pool, clock, accounts = await read_then_disabled_elsewhere(gateway)
    clock.now += 3.5
    assert (user := await accounts.get(name)) is not None and user.active  # no read begun
    clock.now += 0.5
    assert (user := await accounts.get(name)) is not None and user.active  # the copy

    async def read_again() -> bool:
        return (user := await accounts.get(name)) is not None and not user.active

    await eventually(read_again, within=10, what="the background read's copy, at the same 4 s")
    await store.set_active(pool, name, True)
    clock.now += 1.5  # 5.5 s after the first read, 1.5 s after the background one
    assert (user := await accounts.get(name)) is not None and not user.active  # not read


async def test_a_disable_takes_effect_on_the_next_proxied_call(gateway: GatewayUnderTest) -> None:
    admin = await gateway.as_user("admin")
    name = await account(gateway)
    token = await gateway.as_user(name, PASSWORD)
    for _ in range(2):  # the account is now known to the gateway
        assert (await gateway.http.get("/api/v1/vouchers", headers=token)).status_code == 200
    assert (await gateway.http.post(f"{A}/{name}/disable", headers=admin)).status_code == 200
    refused = await gateway.http.get("/api/v1/vouchers", headers=token)
    assert refused.status_code == 401
