"""Accounts and stored value: balance first, verified top-ups with receipts, card states,
the deposit, each rule refused with a clear code and nothing changed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.rental.accounts.adapters.payment_counter import charge_attempts
from services.rental.accounts.store import accounts as account_store
from tests.integration.rental.conftest import AGENT, Rental
from tests.integration.rental.test_account_support import (
    OPS,
    accounts,
    assert_books_exact,
    books,
    id_checked,
    post,
    registered,
    sms_code,
    snapshot,
    top_up,
    top_up_body,
    top_up_key,
)

pytestmark = pytest.mark.integration
__all__ = ["accounts"]


async def test_top_up_with_an_sms_code_gives_a_receipt_and_moves_money_once(
    accounts: Rental,
) -> None:
    user = await registered(accounts)
    shown = await accounts.get(f"/accounts/{user}")
    assert next(iter(shown)) == "balance_cents" and shown["balance_cents"] == 0
    assert shown["card_state"] == "active" and shown["limits"]["count_per_day"] == 5

    sent = await post(accounts, "/topups/codes", {"user_id": user})
    assert sent.status_code == 201, sent.text
    code = await sms_code(accounts, sent.json()["sms_dedupe_key"])
    wrong = "000000" if code != "000000" else "111111"
    refused = await post(
        accounts, "/topups/identity-checks", {"user_id": user, "method": "sms_code", "code": wrong}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "verification_code_invalid"
    assert "4 attempts left" in refused.json()["message"]  # the failed guess was counted
    checked = await post(
        accounts, "/topups/identity-checks", {"user_id": user, "method": "sms_code", "code": code}
    )
    assert checked.status_code == 201, checked.text
    verification_id = checked.json()["verification_id"]

    key = str(uuid.uuid4())
    body = top_up_body(user, verification_id, 5_000)
    first = await post(accounts, "/topups", body, key=key)
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert receipt["amount_cents"] == 5_000 and receipt["amount_yuan"] == "50.00"
    assert receipt["balance_before_cents"] == 0 and receipt["balance_after_cents"] == 5_000
    assert receipt["payer_account"] == "************5678"
    again = await post(accounts, "/topups", body, key=key)
    assert again.json()["serial_no"] == receipt["serial_no"]
    assert (await books(accounts, user)).balance_cents == 5_000
    charge = await accounts.pool.fetchval(
        "SELECT charge_id FROM topups WHERE serial_no = $1", receipt["serial_no"]
    )
    assert [a["succeeded"] for a in await charge_attempts(accounts.pool, charge)] == [True]

    reused = await post(accounts, "/topups", body)
    assert reused.status_code == 403 and reused.json()["code"] == "identity_not_verified"

    found = await accounts.get(f"/topups/{receipt['serial_no']}")
    assert found == receipt
    listed = await accounts.get("/topups", user_id=user)
    assert [r["serial_no"] for r in listed["items"]] == [receipt["serial_no"]]
    assert (await accounts.get(f"/accounts/{user}"))["today"] == {
        "topped_up_cents": 5_000,
        "top_ups": 1,
    }
    await assert_books_exact(accounts, user)


async def test_each_top_up_rule_is_refused_with_its_code_and_changes_nothing(
    accounts: Rental,
) -> None:
    user = await registered(accounts)
    assert (await top_up(accounts, user, 1_000)).status_code == 201
    before = await snapshot(accounts, user)

    async def refused(status: int, code: str, **fields: Any) -> None:
        verification_id = str(fields.pop("verification_id", await id_checked(accounts, user)))
        amount = int(str(fields.pop("amount", 2_000)))
        body = top_up_body(user, verification_id, amount, **fields)
        response = await post(accounts, "/topups", body)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert await snapshot(accounts, user) == before

    await refused(403, "identity_not_verified", verification_id=str(uuid.uuid4()))
    await refused(422, "amount_mismatch", confirmed_amount_cents=1_999)
    await refused(409, "amount_over_limit", amount=100_001)
    await refused(402, "payer_account_short", payer="6222020000000001")
    await refused(502, "device_fault", payer="6222020000000002")
    other = await registered(accounts)
    await refused(403, "identity_not_verified", verification_id=await id_checked(accounts, other))

    for state, code in (
        ("frozen", "card_frozen"),
        ("reported_lost", "card_reported_lost"),
        ("active", None),
        ("expired", "card_expired"),
        ("active", None),
    ):
        changed = await post(
            accounts, f"/accounts/{user}/card-state", {"state": state, "reason": "customer call"}
        )
        assert changed.status_code == 200, changed.text
        before = await snapshot(accounts, user)
        if code is not None:
            await refused(409, code)
    history = await accounts.get(f"/accounts/{user}/card-changes")
    assert [h["new_state"] for h in history["items"]] == [
        "active",
        "expired",
        "active",
        "reported_lost",
        "frozen",
    ]
    bad = await post(accounts, f"/accounts/{user}/card-state", {"state": "active", "reason": "x"})
    assert bad.status_code == 409 and bad.json()["code"] == "card_transition_invalid"


async def test_daily_count_and_amount_limits(accounts: Rental) -> None:
    counted = await registered(accounts)
    for _ in range(5):
        assert (await top_up(accounts, counted, 100)).status_code == 201
    over = await top_up(accounts, counted, 100)
    assert over.status_code == 409 and over.json()["code"] == "daily_count_over_limit"

    summed = await registered(accounts)
    assert (await top_up(accounts, summed, 100_000)).status_code == 201
    assert (await top_up(accounts, summed, 100_000)).status_code == 201
    over = await top_up(accounts, summed, 1)
    assert over.status_code == 409 and over.json()["code"] == "daily_amount_over_limit"
    assert (await books(accounts, summed)).balance_cents == 200_000


async def test_a_device_fault_retried_with_the_same_key_charges_once(accounts: Rental) -> None:
    user = await registered(accounts)
    verification_id = await id_checked(accounts, user)
    body = top_up_body(user, verification_id, 3_000, payer="6222020000000003")
    key = str(uuid.uuid4())
    first = await post(accounts, "/topups", body, key=key)
    assert first.status_code == 502 and first.json()["code"] == "device_fault"
    assert (await books(accounts, user)).balance_cents == 0
    second = await post(accounts, "/topups", body, key=key)
    assert second.status_code == 201, second.text
    attempts = await charge_attempts(accounts.pool, f"top-up:{user}:{top_up_key(key)}")
    assert [a["succeeded"] for a in attempts] == [False, True]
    assert await assert_books_exact(accounts, user) == await books(accounts, user)


async def test_only_an_ops_supervisor_changes_a_deposit_with_a_reason(accounts: Rental) -> None:
    user = await registered(accounts)
    before = await snapshot(accounts, user)
    by_agent = await post(
        accounts, f"/accounts/{user}/deposit", {"deposit_cents": 29_900, "reason": "新押金标准"}
    )
    assert by_agent.status_code == 403 and by_agent.json()["code"] == "ops_supervisor_required"
    no_reason = await post(
        accounts, f"/accounts/{user}/deposit", {"deposit_cents": 29_900, "reason": " "}, actor=OPS
    )
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    assert await snapshot(accounts, user) == before

    key = str(uuid.uuid4())
    body = {"deposit_cents": 29_900, "reason": "押金标准调整"}
    changed = await post(accounts, f"/accounts/{user}/deposit", body, actor=OPS, key=key)
    assert changed.status_code == 200 and changed.json()["deposit_cents"] == 29_900
    await post(accounts, f"/accounts/{user}/deposit", body, actor=OPS, key=key)
    lowered = await post(
        accounts,
        f"/accounts/{user}/deposit",
        {"deposit_cents": 19_900, "reason": "学生"},
        actor=OPS,
    )
    assert lowered.json()["deposit_cents"] == 19_900
    moves = (await accounts.get(f"/accounts/{user}/movements"))["items"]
    assert [(m["kind"], m["deposit_delta"], m["actor"]) for m in moves] == [
        ("deposit_adjusted", -10_000, "ops.zhao"),
        ("deposit_adjusted", 29_900, "ops.zhao"),
    ]
    # The deposit's history is those two; nothing changed the balance or held money.
    deposit_history = await accounts.get(f"/accounts/{user}/movements", book="deposit")
    assert [m["id"] for m in deposit_history["items"]] == [m["id"] for m in moves]
    assert (await accounts.get(f"/accounts/{user}/movements", book="balance"))["items"] == []
    unknown = await accounts.http.get(
        f"/accounts/{user}/movements", params={"book": "points"}, headers=AGENT
    )
    assert unknown.status_code == 422
    assert (await assert_books_exact(accounts, user)).deposit_cents == 19_900


async def test_unknown_users_and_receipts_are_404(accounts: Rental) -> None:
    missing = await accounts.http.get("/accounts/nobody-here", headers=AGENT)
    assert missing.status_code == 404 and missing.json()["code"] == "account_not_found"
    receipt = await accounts.http.get("/topups/TU000", headers=AGENT)
    assert receipt.status_code == 404 and receipt.json()["code"] == "receipt_not_found"
    code = await post(accounts, "/topups/codes", {"user_id": "nobody-here"})
    assert code.status_code == 404 and code.json()["code"] == "user_not_found"


async def test_the_account_is_read_in_one_snapshot(
    accounts: Rental, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A top-up committing while the account is read shows whole or not at all: never the
    old balance beside the new top-up in today's usage."""
    user = await registered(accounts)
    original = account_store.user
    committed: list[int] = []
    interrupted = False

    async def user_then_a_top_up_commits(conn: Any, user_id: str) -> Any:
        nonlocal interrupted
        found = await original(conn, user_id)
        if not interrupted:
            interrupted = True  # once: the top-up's own reads pass straight through
            response = await top_up(accounts, user, 3_000)  # another connection commits
            committed.append(response.status_code)
        return found

    monkeypatch.setattr(account_store, "user", user_then_a_top_up_commits)
    shown = await accounts.get(f"/accounts/{user}")
    assert committed == [201]
    assert (shown["balance_cents"], shown["today"]["top_ups"]) == (0, 0)
    monkeypatch.undo()
    after = await accounts.get(f"/accounts/{user}")
    assert (after["balance_cents"], after["today"]["top_ups"]) == (3_000, 1)
