"""The money-moving account commands on the shared key path, without the gateway: the
same key and the same command answers as the first did and moves nothing again; the same
key with another command is refused 422 idempotency_key_reused and changes nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.rental import test_account_support as support
from tests.integration.rental.conftest import Rental
from tests.integration.rental.test_account_support import (
    OPS,
    accounts,
    post,
    rental_gateway,
    signed_in,
    snapshot,
)
from tests.integration.rental.test_refund_and_payments import paid

pytestmark = pytest.mark.integration
__all__ = ["accounts", "rental_gateway"]
REUSED = (422, "idempotency_key_reused")


async def test_a_deposit_change_replays_its_answer_and_refuses_another_amount(
    accounts: Rental,
) -> None:
    user = await support.registered(accounts)
    key, path = str(uuid.uuid4()), f"/accounts/{user}/deposit"
    body = {"deposit_cents": 29_900, "reason": "押金标准调整"}
    first = await post(accounts, path, body, actor=OPS, key=key)
    assert first.status_code == 200, first.text
    after = await snapshot(accounts, user)
    again = await post(accounts, path, body, actor=OPS, key=key)
    assert (again.status_code, again.json()) == (200, first.json())
    other = await post(accounts, path, {**body, "deposit_cents": 19_900}, actor=OPS, key=key)
    assert (other.status_code, other.json()["code"]) == REUSED
    assert await snapshot(accounts, user) == after
    moves = (await accounts.get(f"/accounts/{user}/movements"))["items"]
    assert [m["deposit_delta"] for m in moves] == [29_900]


async def test_a_card_change_replays_and_refuses_another_state(accounts: Rental) -> None:
    """Not money, but a state change: a repeat answers the change again (no 409 for a card
    already frozen, no second history row)."""
    user = await support.registered(accounts)
    key, path = str(uuid.uuid4()), f"/accounts/{user}/card-state"
    body = {"state": "frozen", "reason": "客户来电要求冻结"}
    first = await post(accounts, path, body, key=key)
    assert first.status_code == 200, first.text
    after = await snapshot(accounts, user)
    again = await post(accounts, path, body, key=key)
    assert (again.status_code, again.json()) == (200, first.json())
    other = await post(accounts, path, {**body, "state": "reported_lost"}, key=key)
    assert (other.status_code, other.json()["code"]) == REUSED
    assert await snapshot(accounts, user) == after


async def test_a_refund_request_replays_and_refuses_another_amount(accounts: Rental) -> None:
    user = await support.registered(accounts)
    await paid(accounts, user, "top_up", 8_000)
    key, path = str(uuid.uuid4()), f"/accounts/{user}/refunds"
    body = {"kind": "stored_value", "amount_cents": 5_000, "reason": "不再使用", "proof": "R-1"}
    first = await post(accounts, path, body, key=key)
    assert first.status_code == 202, first.text
    after = await snapshot(accounts, user)
    again = await post(accounts, path, body, key=key)
    assert (again.status_code, again.json()) == (202, first.json())
    other = await post(accounts, path, {**body, "amount_cents": 3_000}, key=key)
    assert (other.status_code, other.json()["code"]) == REUSED
    deposit = await post(accounts, path, {"kind": "deposit", "reason": "退押金"}, key=key)
    assert (deposit.status_code, deposit.json()["code"]) == REUSED
    assert await snapshot(accounts, user) == after
    assert (await support.assert_books_exact(accounts, user)).held_cents == 5_000


async def test_a_top_up_key_is_refused_for_another_amount_after_a_fault_and_after_a_charge(
    accounts: Rental,
) -> None:
    user = await support.registered(accounts)
    key = str(uuid.uuid4())
    body = support.top_up_body(
        user, await support.id_checked(accounts, user), 3_000, payer="6222020000000003"
    )
    fault = await post(accounts, "/topups", body, key=key)
    assert (fault.status_code, fault.json()["code"]) == (502, "device_fault")
    before = await snapshot(accounts, user)
    # refused before anything was taken: another amount under the same key is another
    # command, not a second try of this one
    other = await post(accounts, "/topups", {**body, "amount_cents": 9_000}, key=key)
    assert (other.status_code, other.json()["code"]) == REUSED
    assert await snapshot(accounts, user) == before
    # the same command again, with a fresh identity check: charged once
    retried = {**body, "verification_id": await support.id_checked(accounts, user)}
    charged = await post(accounts, "/topups", retried, key=key)
    assert charged.status_code == 201, charged.text
    assert (await post(accounts, "/topups", retried, key=key)).json() == charged.json()
    after = await snapshot(accounts, user)
    other = await post(accounts, "/topups", {**retried, "amount_cents": 9_000}, key=key)
    assert (other.status_code, other.json()["code"]) == REUSED
    assert await snapshot(accounts, user) == after
    assert (await support.assert_books_exact(accounts, user)).balance_cents == 3_000


async def test_a_top_up_code_is_sent_once_per_key_and_never_for_another_customer(
    accounts: Rental,
) -> None:
    user, other_user = await support.registered(accounts), await support.registered(accounts)
    key = str(uuid.uuid4())
    first = await post(accounts, "/topups/codes", {"user_id": user}, key=key)
    assert first.status_code == 201, first.text
    again = await post(accounts, "/topups/codes", {"user_id": user}, key=key)
    assert (again.status_code, again.json()) == (201, first.json())
    other = await post(accounts, "/topups/codes", {"user_id": other_user}, key=key)
    assert (other.status_code, other.json()["code"]) == REUSED
    codes = await accounts.pool.fetch(
        "SELECT user_id FROM topup_codes WHERE user_id = ANY($1::text[])", [user, other_user]
    )
    assert [r["user_id"] for r in codes] == [user]
    sms = await accounts.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE topic = 'notify.sms.requested.v1'"
        " AND convert_from(payload, 'UTF8')::jsonb ->> 'dedupe_key' = $1",
        first.json()["sms_dedupe_key"],
    )
    assert sms == 1


async def test_through_the_gateway_a_key_freed_by_a_fault_is_still_the_first_top_ups(
    accounts: Rental, rental_gateway: httpx.AsyncClient
) -> None:
    """The gateway frees a key after a 5xx; the service still holds it for the top-up
    that faulted. Another amount under it is refused by the service with the gateway's
    own answer, and the first top-up's retry is still taken: the refusal binds nothing."""
    user = await support.registered(accounts)
    headers = {**await signed_in(rental_gateway, "agent"), "Idempotency-Key": str(uuid.uuid4())}
    top_up = support.top_up_body(
        user, await support.id_checked(accounts, user), 3_000, payer="6222020000000003"
    )
    fault = await rental_gateway.post("/api/v1/rental/topups", json=top_up, headers=headers)
    assert (fault.status_code, fault.json()["code"]) == (502, "device_fault")
    other = {**top_up, "amount_cents": 9_000, "confirmed_amount_cents": 9_000}
    for _ in range(2):
        refused = await rental_gateway.post("/api/v1/rental/topups", json=other, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == REUSED
    charged = await rental_gateway.post("/api/v1/rental/topups", json=top_up, headers=headers)
    assert charged.status_code == 201, charged.text
    again = await rental_gateway.post("/api/v1/rental/topups", json=top_up, headers=headers)
    assert again.json() == charged.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert (await support.assert_books_exact(accounts, user)).balance_cents == 3_000
