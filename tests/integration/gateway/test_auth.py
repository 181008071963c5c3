"""Signing in, tokens, the role table, account management and the demo accounts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.gateway.domain.roles import DEMO_ACCOUNTS
from services.gateway.handlers import seed_demo_accounts
from services.gateway.passwords import Passwords
from services.gateway.tokens import Tokens
from tests.integration.gateway.conftest import DEMO_PASSWORD, GatewayUnderTest, new_key

pytestmark = pytest.mark.integration


async def test_login_gives_a_bearer_token_for_the_user(gateway: GatewayUnderTest) -> None:
    response = await gateway.http.post(
        "/api/v1/auth/login", json={"username": "Agent", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60
    me = await gateway.http.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    who = me.json()
    assert (who["username"], who["roles"]) == ("agent", ["agent"])
    # What the console's menu and buttons come from: the route table, read for these roles.
    assert "vouchers" in who["groups"] and "admin" not in who["groups"]
    assert "POST /api/v1/vouchers/{code}/void" in who["routes"]
    assert "GET /api/v1/admin/users" not in who["routes"]


@pytest.mark.parametrize(
    ("username", "password"),
    [("agent", "not-the-password"), ("nobody-at-all", DEMO_PASSWORD), ("agent", "")],
)
async def test_wrong_credentials_are_refused(
    gateway: GatewayUnderTest, username: str, password: str
) -> None:
    response = await gateway.http.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    expected = 422 if not password else 401
    assert response.status_code == expected
    if expected == 401:
        assert response.json()["code"] == "invalid_credentials"
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_requests_without_a_valid_token_are_refused(gateway: GatewayUnderTest) -> None:
    before = len(gateway.voucher.seen)
    expired = Tokens(gateway.settings.jwt_secret.get_secret_value(), timedelta(minutes=5)).issue(  # type: ignore[union-attr]
        "agent", frozenset({"agent"}), datetime.now(UTC) - timedelta(hours=1)
    )
    cases = [
        ({}, "unauthorized"),
        ({"Authorization": "Bearer not-a-token"}, "unauthorized"),
        ({"Authorization": "Basic YWdlbnQ6eA=="}, "unauthorized"),
        ({"Authorization": f"Bearer {expired.access_token}"}, "token_expired"),
    ]
    for headers, code in cases:
        response = await gateway.http.get("/api/v1/vouchers", headers=headers)
        assert (response.status_code, response.json()["code"]) == (401, code), headers
        assert set(response.json()) == {"code", "message"}
    assert len(gateway.voucher.seen) == before


async def test_roles_decide_who_reaches_what(gateway: GatewayUnderTest) -> None:
    admin, agent, lead = [await gateway.as_user(u) for u in ("admin", "agent", "lead")]
    refused = [
        await gateway.http.get("/api/v1/vouchers", headers=admin),
        await gateway.http.get("/api/v1/users/U1/points", headers=admin),
        await gateway.http.post(
            "/api/v1/vouchers/C1/void",
            json={"reason": "r"},
            headers={**admin, "Idempotency-Key": new_key()},
        ),
        await gateway.http.get("/api/v1/admin/users", headers=agent),
        await gateway.http.get("/api/v1/admin/users", headers=lead),
    ]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(403, "forbidden")] * 5
    assert (await gateway.http.get("/api/v1/vouchers", headers=lead)).status_code == 200
    assert (await gateway.http.get("/api/v1/admin/users", headers=admin)).status_code == 200


async def test_an_admin_creates_a_user_who_can_then_sign_in(gateway: GatewayUnderTest) -> None:
    admin = await gateway.as_user("admin")
    name = f"li.na.{uuid.uuid4().hex[:6]}"
    user = {"username": name, "password": "long enough secret", "roles": ["agent"]}
    created = await gateway.http.post(
        "/api/v1/admin/users", json=user, headers={**admin, "Idempotency-Key": new_key()}
    )
    assert created.status_code == 201, created.text
    assert created.json()["username"] == name and created.json()["roles"] == ["agent"]
    assert created.json()["created_by"] == "admin" and "password" not in created.json()
    assert "long enough secret" not in created.text
    listed = (await gateway.http.get("/api/v1/admin/users", headers=admin)).json()["items"]
    assert name in [u["username"] for u in listed] and "argon2" not in str(listed)
    stored = await gateway.app.state.gateway.pool.fetchval(
        "SELECT password_hash FROM users WHERE username = $1", name
    )
    assert stored.startswith("$argon2id$")

    newcomer = await gateway.as_user(name, "long enough secret")
    assert (await gateway.http.get("/api/v1/vouchers", headers=newcomer)).status_code == 200
    assert (await gateway.http.get("/api/v1/admin/users", headers=newcomer)).status_code == 403

    again = await gateway.http.post(
        "/api/v1/admin/users", json=user, headers={**admin, "Idempotency-Key": new_key()}
    )
    assert (again.status_code, again.json()["code"]) == (409, "username_taken")
    bad = await gateway.http.post(
        "/api/v1/admin/users",
        json={**user, "username": f"x{name}", "roles": ["superuser"]},
        headers=admin,
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_role")


async def test_a_disabled_account_loses_access_at_once(gateway: GatewayUnderTest) -> None:
    admin = await gateway.as_user("admin")
    name = f"temp.{uuid.uuid4().hex[:6]}"
    user = {"username": name, "password": "long enough secret", "roles": ["duty_lead"]}
    assert (
        await gateway.http.post("/api/v1/admin/users", json=user, headers=admin)
    ).status_code == 201
    headers = await gateway.as_user(name, "long enough secret")
    await gateway.app.state.gateway.pool.execute(
        "UPDATE users SET active = false WHERE username = $1", name
    )
    response = await gateway.http.get("/api/v1/vouchers", headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")


async def test_demo_accounts_follow_the_demo_password(gateway: GatewayUnderTest) -> None:
    state = gateway.app.state.gateway
    try:
        assert await seed_demo_accounts(state.pool, state.passwords, "a changed password") == [
            name for name, _ in DEMO_ACCOUNTS
        ]
        assert await gateway.token("lead", "a changed password")
        old = await gateway.http.post(
            "/api/v1/auth/login", json={"username": "lead", "password": DEMO_PASSWORD}
        )
        assert old.status_code == 401
        assert await seed_demo_accounts(state.pool, state.passwords, None) == []
        assert await gateway.token("lead", "a changed password")
    finally:
        await seed_demo_accounts(state.pool, state.passwords, DEMO_PASSWORD)
    count = await state.pool.fetchval(
        "SELECT count(*) FROM users WHERE username = ANY($1::text[])",
        [name for name, _ in DEMO_ACCOUNTS],
    )
    assert count == len(DEMO_ACCOUNTS)


class CountingPasswords(Passwords):
    """The real argon2 hasher, counting its slow calls."""

    def __init__(self) -> None:
        super().__init__()
        self.hashed = self.verified = 0

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return await super().hash(password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified += 1
        return await super().verify(password_hash, password)


async def test_a_start_checks_the_demo_hash_once_and_stores_it_once(
    gateway: GatewayUnderTest,
) -> None:
    state = gateway.app.state.gateway
    counting = CountingPasswords()
    try:
        await seed_demo_accounts(state.pool, counting, "another demo password")
        assert (counting.hashed, counting.verified) == (1, 1)  # one new hash for all
        counting.hashed = counting.verified = 0
        await seed_demo_accounts(state.pool, counting, "another demo password")
        assert (counting.hashed, counting.verified) == (0, 1)  # a restart: one check
        hashes = await state.pool.fetchval(
            "SELECT count(DISTINCT password_hash) FROM users WHERE username = ANY($1::text[])",
            [name for name, _ in DEMO_ACCOUNTS],
        )
        assert hashes == 1
    finally:
        await seed_demo_accounts(state.pool, state.passwords, DEMO_PASSWORD)
