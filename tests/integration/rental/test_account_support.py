"""What the accounts tests share: a rental service with small top-up limits, and helpers
to verify a customer, top up, and read the books (ledger sums beside the account)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from services.gateway.app import create_app as create_gateway
from services.rental.accounts.domain.ledger import Books
from services.rental.accounts.store import accounts as account_store
from services.rental.settings import RentalSettings
from shared.contracts import NOTIFY_SMS_REQUESTED
from shared.devstack.broker import free_port
from shared.idempotency import scoped_key
from shared.sealing import open_sealed, private_key
from shared.settings import Settings
from tests.infra import Infra, settings_of
from tests.integration.rental.conftest import AGENT, Rental, running_rental

OPS = {"X-Kefu-Actor": "ops.zhao", "X-Kefu-Roles": "ops_supervisor"}
PASSWORD = "rental-gateway-demo-password"
LIMITS = {
    "standard": {"per_top_up_cents": 100_000, "per_day_cents": 200_000, "count_per_day": 5},
    "student": {"per_top_up_cents": 50_000, "per_day_cents": 60_000, "count_per_day": 3},
}


def account_settings(infra: Infra, home: Path, **extra: Any) -> RentalSettings:
    """Small top-up limits and no wait between codes (and whatever a module adds)."""
    return settings_of(
        RentalSettings,
        infra,
        home=home,
        rental_topup_limits=LIMITS,
        verification_code_resend_seconds=0,
        **extra,
    )


@pytest.fixture(scope="module")
async def accounts(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rental]:
    settings = account_settings(infra, tmp_path_factory.mktemp("rental-accounts"))
    async with running_rental(settings) as running:
        yield running


@pytest.fixture(scope="module")
async def rental_gateway(infra: Infra, accounts: Rental) -> AsyncIterator[httpx.AsyncClient]:
    """A real gateway in front of the rental service served on a port (as in production)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            accounts.app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(1000):  # up to 10 s
        if server.started:
            break
        await asyncio.sleep(0.01)
    settings = Settings(
        database_url=infra.database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        rental_port=port,
        jwt_secret=SecretStr("rental-gateway-secret-" + "x" * 40),
        home=accounts.settings.home,  # the rental service's internal key is kept there
        demo_password=SecretStr(PASSWORD),
        log_json=False,
    )
    app = create_gateway(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
                yield http
    finally:
        server.should_exit = True
        await task


async def signed_in(gateway: httpx.AsyncClient, username: str) -> dict[str, str]:
    login = await gateway.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def top_up_key(key: str, actor: str = AGENT["X-Kefu-Actor"]) -> str:
    """The Idempotency-Key of a top-up as the service keeps it (within actor and route)."""
    return scoped_key(actor, "POST /topups", key)


async def registered(rental: Rental) -> str:
    user = await rental.register()
    await rental.wait_row("SELECT 1 FROM users WHERE user_id = $1", user)
    return user


async def post(
    rental: Rental,
    path: str,
    body: dict[str, Any],
    *,
    actor: dict[str, str] = AGENT,
    key: str | None = None,
) -> httpx.Response:
    headers = {**actor, "Idempotency-Key": key or str(uuid.uuid4())}
    return await rental.http.post(path, json=body, headers=headers)


async def id_checked(rental: Rental, user: str) -> str:
    response = await post(
        rental,
        "/topups/identity-checks",
        {"user_id": user, "method": "id_document", "document_last4": "123X"},
    )
    assert response.status_code == 201, response.text
    verification_id: str = response.json()["verification_id"]
    return verification_id


def top_up_body(
    user: str, verification_id: str, amount: int, *, payer: str = "6222020000005678", **extra: Any
) -> dict[str, Any]:
    return {
        "user_id": user,
        "amount_cents": amount,
        "confirmed_amount_cents": amount,
        "verification_id": verification_id,
        "payment_method": "bank_card",
        "payer_account": payer,
        **extra,
    }


async def top_up(
    rental: Rental,
    user: str,
    amount: int,
    *,
    key: str | None = None,
    actor: dict[str, str] = AGENT,
    **extra: Any,
) -> httpx.Response:
    verification_id = await id_checked(rental, user)
    body = top_up_body(user, verification_id, amount, **extra)
    return await post(rental, "/topups", body, key=key, actor=actor)


async def books(rental: Rental, user: str) -> Books:
    account = await account_store.view(rental.pool, user)
    return account.books if account is not None else Books()


async def ledger_sums(rental: Rental, user: str) -> Books:
    return await account_store.ledger_sums(rental.pool, user)


async def assert_books_exact(rental: Rental, user: str) -> Books:
    """The account's sums equal its ledger's, and nothing in its history went negative."""
    kept = await books(rental, user)
    assert kept == await ledger_sums(rental, user)
    negative = await rental.pool.fetchval(
        "SELECT count(*) FROM account_ledger WHERE user_id = $1"
        " AND (balance_after < 0 OR deposit_after < 0 OR held_after < 0)",
        user,
    )
    assert negative == 0
    return kept


async def snapshot(rental: Rental, user: str) -> tuple[Any, ...]:
    """Everything a refused command must leave as it was."""
    account = await rental.pool.fetchrow("SELECT * FROM accounts WHERE user_id = $1", user)
    counts = await rental.pool.fetchrow(
        "SELECT (SELECT count(*) FROM account_ledger WHERE user_id = $1) AS movements,"
        " (SELECT count(*) FROM topups WHERE user_id = $1) AS topups,"
        " (SELECT count(*) FROM refund_requests WHERE user_id = $1) AS refunds,"
        " (SELECT count(*) FROM card_state_changes WHERE user_id = $1) AS cards",
        user,
    )
    return (dict(account) if account else None, dict(counts))


async def sms_code(rental: Rental, dedupe_key: str) -> str:
    """The code in the SMS request the service left for the notify service: sealed, so
    only notify's key (kept under the shared home here) opens it; never in clear."""
    row = await rental.pool.fetchrow(
        "SELECT payload FROM outbox WHERE topic = 'notify.sms.requested.v1'"
        " AND convert_from(payload, 'UTF8')::jsonb ->> 'dedupe_key' = $1",
        dedupe_key,
    )
    assert row is not None
    request = json.loads(bytes(row["payload"]))
    assert "code" not in request["params"]
    box = request["sealed_params"]
    opened = open_sealed(box, private_key(rental.settings), topic=NOTIFY_SMS_REQUESTED.name)
    code = str(opened["code"])
    assert code not in json.dumps(request)
    return code


def payment(
    user: str, kind: str, amount: int, *, payment_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "event_id": f"e-{uuid.uuid4().hex[:12]}",
        "payment_id": payment_id or f"p-{uuid.uuid4().hex[:12]}",
        "user_id": user,
        "kind": kind,
        "amount_cents": amount,
        "paid_at": datetime.now(UTC).isoformat(),
        **extra,
    }
