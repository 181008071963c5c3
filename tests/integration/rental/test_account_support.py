"""What the accounts tests share: a rental service with small top-up limits, and helpers
to verify a customer, top up, and read the books (ledger sums beside the account)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.rental.domain.ledger import Books
from services.rental.store import accounts as account_store
from shared.idempotency import scoped_key
from tests.infra import Infra, settings_on
from tests.integration.rental.conftest import AGENT, Rental, running_rental

OPS = {"X-Kefu-Actor": "ops.zhao", "X-Kefu-Roles": "ops_supervisor"}
LIMITS = {
    "standard": {"per_top_up_cents": 100_000, "per_day_cents": 200_000, "count_per_day": 5},
    "student": {"per_top_up_cents": 50_000, "per_day_cents": 60_000, "count_per_day": 3},
}


@pytest.fixture(scope="module")
async def accounts(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rental]:
    settings = settings_on(
        infra,
        home=tmp_path_factory.mktemp("rental-accounts"),
        rental_topup_limits=LIMITS,
        verification_code_resend_seconds=0,
    )
    async with running_rental(settings) as running:
        yield running


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
    rental: Rental, user: str, amount: int, *, key: str | None = None, **extra: Any
) -> httpx.Response:
    verification_id = await id_checked(rental, user)
    return await post(
        rental, "/topups", top_up_body(user, verification_id, amount, **extra), key=key
    )


async def books(rental: Rental, user: str) -> Books:
    row = await rental.pool.fetchrow("SELECT * FROM accounts WHERE user_id = $1", user)
    return account_store.books_of(row) if row is not None else Books()


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
    """The code in the SMS request the service left for the notify service."""
    row = await rental.pool.fetchrow(
        "SELECT payload FROM outbox WHERE topic = 'notify.sms.requested.v1'"
        " AND convert_from(payload, 'UTF8')::jsonb ->> 'dedupe_key' = $1",
        dedupe_key,
    )
    assert row is not None
    code: str = json.loads(bytes(row["payload"]))["params"]["code"]
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
