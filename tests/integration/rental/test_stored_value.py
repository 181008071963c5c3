"""Seed 004 after the top-up: the receipt as a page to print, and a stored-value refund."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.contracts import REFUND_COMPLETED, REFUND_REJECTED
from tests.infra import Infra
from tests.integration.rental.conftest import AGENT, Rental, running_rental
from tests.integration.rental.test_account_support import (
    account_settings,
    accounts,
    assert_books_exact,
    books,
    post,
    registered,
    rental_gateway,
    signed_in,
    top_up,
)

pytestmark = pytest.mark.integration
__all__ = ["accounts", "rental_gateway"]


async def test_a_receipt_prints_as_a_page(
    accounts: Rental, rental_gateway: httpx.AsyncClient
) -> None:
    user = await registered(accounts)
    topped = await top_up(accounts, user, 5_000, payer="6222020000009876")
    assert topped.status_code == 201, topped.text
    serial = topped.json()["serial_no"]

    page = await accounts.http.get(f"/topups/{serial}/receipt.html", headers=AGENT)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for shown in (serial, "¥50.00", "************9876", user, "交易凭证", "银行卡"):
        assert shown in html, shown
    assert "6222020000009876" not in html  # the payer account stays masked on paper
    assert "@media print" in html and "@page" in html

    agent = await signed_in(rental_gateway, "agent")
    through = await rental_gateway.get(
        f"/api/v1/rental/topups/{serial}/receipt.html", headers=agent
    )
    assert through.status_code == 200, through.text
    assert through.headers["content-type"].startswith("text/html")
    assert through.text == html
    missing = await accounts.http.get("/topups/TU0/receipt.html", headers=AGENT)
    assert (missing.status_code, missing.json()["code"]) == (404, "receipt_not_found")


@pytest.fixture(scope="module")
async def promoted(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rental]:
    """A rental service with a promotion (top up 100 yuan, get 10) and a 1 % refund fee."""
    settings = account_settings(
        infra,
        tmp_path_factory.mktemp("rental-promoted"),
        rental_topup_bonus={10_000: 1_000},
        rental_refund_fee_bps=100,
    )
    async with running_rental(settings) as running:
        yield running


async def asked(rental: Rental, request_id: str) -> dict[str, Any]:
    """The refund.requested.v1 payload the service left for the refund service."""
    row = await rental.pool.fetchrow(
        "SELECT payload FROM outbox WHERE topic = 'refund.requested.v1'"
        " AND convert_from(payload, 'UTF8')::jsonb ->> 'request_id' = $1",
        request_id,
    )
    assert row is not None
    payload: dict[str, Any] = json.loads(bytes(row["payload"]))
    return payload


async def decided(rental: Rental, request: dict[str, Any], user: str, paid: bool) -> None:
    common = {
        "request_id": request["request_id"],
        "refund_id": f"R-{uuid.uuid4().hex[:8]}",
        "requester": "rental",
        "kind": "stored_value",
        "user_id": user,
        "amount_cents": request["payout_cents"],
    }
    now = datetime.now(UTC).isoformat()
    if paid:
        event = {
            **common,
            "approved_by": "ops.zhao",
            "payout_reference": "PAY-9",
            "completed_at": now,
        }
        await rental.publish(REFUND_COMPLETED.name, event, key=user)
    else:
        event = {
            **common,
            "rejected_by": "ops.zhao",
            "reason": "rejected_by_supervisor",
            "detail": "",
            "rejected_at": now,
        }
        await rental.publish(REFUND_REJECTED.name, event, key=user)
    await rental.wait_row(
        "SELECT 1 FROM refund_requests WHERE request_id = $1 AND status <> 'pending'",
        request["request_id"],
    )


async def test_a_stored_value_refund_goes_back_to_the_original_account_less_bonus_and_fee(
    promoted: Rental,
) -> None:
    user = await registered(promoted)
    topped = await top_up(promoted, user, 10_000, payer="6222020000004321")
    assert topped.status_code == 201, topped.text
    receipt = topped.json()
    assert (receipt["bonus_cents"], receipt["balance_after_cents"]) == (1_000, 11_000)
    page = await promoted.http.get(f"/topups/{receipt['serial_no']}/receipt.html", headers=AGENT)
    assert "赠送金额" in page.text and "¥10.00" in page.text

    response = await post(
        promoted, f"/accounts/{user}/refunds", {"kind": "stored_value", "reason": "不再使用"}
    )
    assert response.status_code == 202, response.text
    request = response.json()
    assert (request["amount_cents"], request["bonus_deducted_cents"], request["fee_cents"]) == (
        11_000,
        1_000,
        100,
    )
    assert request["payout_cents"] == 9_900
    assert (request["payout_method"], request["payout_account"]) == (
        "bank_card",
        "************4321",
    )
    message = await asked(promoted, request["request_id"])
    assert (message["amount_cents"], message["deducted_cents"]) == (9_900, 1_100)
    assert (message["payout_method"], message["payout_account"]) == (
        "bank_card",
        "6222020000004321",
    )
    held = await assert_books_exact(promoted, user)
    assert (held.balance_cents, held.held_cents) == (0, 11_000)

    await decided(promoted, request, user, paid=True)
    after = await assert_books_exact(promoted, user)
    assert (after.balance_cents, after.held_cents) == (0, 0)
    moved = await promoted.pool.fetch(
        "SELECT kind, amount_cents FROM account_ledger WHERE reference = $1 ORDER BY id",
        request["request_id"],
    )
    assert [(m["kind"], m["amount_cents"]) for m in moved] == [
        ("refund_held", 11_000),
        ("refund_paid", 9_900),
        ("refund_bonus_deducted", 1_000),
        ("refund_fee", 100),
    ]


async def test_a_rejected_refund_restores_everything_and_the_bonus_is_still_owed(
    promoted: Rental,
) -> None:
    user = await registered(promoted)
    assert (await top_up(promoted, user, 20_000)).status_code == 201
    body = {"kind": "stored_value", "amount_cents": 6_000, "reason": "部分退款"}
    first = (await post(promoted, f"/accounts/{user}/refunds", body)).json()
    assert (first["bonus_deducted_cents"], first["fee_cents"], first["payout_cents"]) == (
        1_000,
        50,
        4_950,
    )
    await decided(promoted, first, user, paid=False)
    restored = await assert_books_exact(promoted, user)
    assert (restored.balance_cents, restored.held_cents) == (21_000, 0)
    # nothing was given back, so the next refund still gives the bonus back first
    again = (await post(promoted, f"/accounts/{user}/refunds", body)).json()
    assert again["bonus_deducted_cents"] == 1_000
    await decided(promoted, again, user, paid=True)
    third = (await post(promoted, f"/accounts/{user}/refunds", body)).json()
    assert (third["bonus_deducted_cents"], third["payout_cents"]) == (0, 5_940)
    assert (await books(promoted, user)).held_cents == 6_000
    only_bonus = await post(
        promoted, f"/accounts/{user}/refunds", {"kind": "stored_value", "reason": "x"}
    )
    assert only_bonus.status_code == 409  # one stored-value refund pending at a time


OPS = {"X-Kefu-Actor": "ops.zhao", "X-Kefu-Roles": "ops_supervisor"}


async def actions_of(rental: Rental, user: str, who: dict[str, str]) -> list[str]:
    response = await rental.http.get(f"/accounts/{user}", headers=who)
    assert response.status_code == 200, response.text
    found: list[str] = response.json()["actions"]
    return found


async def test_an_accounts_actions_are_what_the_service_accepts(promoted: Rental) -> None:
    user = await registered(promoted)
    assert (await top_up(promoted, user, 10_000)).status_code == 201
    card = ["freeze_card", "report_card_lost", "expire_card"]
    assert await actions_of(promoted, user, AGENT) == ["top_up", "refund_stored_value", *card]
    assert await actions_of(promoted, user, OPS) == ["change_deposit", *card]

    # not offered: refused, nothing changed
    before = await books(promoted, user)
    for who, path, body, code in (
        (AGENT, "refunds", {"kind": "deposit", "reason": "x"}, "no_deposit"),
        (AGENT, "deposit", {"deposit_cents": 100, "reason": "x"}, "ops_supervisor_required"),
        (OPS, "refunds", {"kind": "stored_value", "reason": "x"}, "role_required"),
        (AGENT, "card-state", {"state": "active", "reason": "x"}, "card_transition_invalid"),
    ):
        refused = await post(promoted, f"/accounts/{user}/{path}", body, actor=who)
        assert refused.json()["code"] == code, (path, refused.text)
    assert await books(promoted, user) == before
    by_ops = await top_up(promoted, user, 1_000, actor=OPS)
    assert (by_ops.status_code, by_ops.json()["code"]) == (403, "role_required")

    # offered: accepted, and the flags follow the new state
    asked_for = await post(
        promoted, f"/accounts/{user}/refunds", {"kind": "stored_value", "reason": "退余额"}
    )
    assert asked_for.status_code == 202, asked_for.text
    assert "refund_stored_value" not in await actions_of(promoted, user, AGENT)
    changed = await post(
        promoted, f"/accounts/{user}/deposit", {"deposit_cents": 9_900, "reason": "押金"}, actor=OPS
    )
    assert changed.status_code == 200, changed.text
    assert "refund_deposit" in await actions_of(promoted, user, AGENT)
    frozen = await post(
        promoted, f"/accounts/{user}/card-state", {"state": "frozen", "reason": "客户要求"}
    )
    assert frozen.status_code == 200, frozen.text
    assert await actions_of(promoted, user, AGENT) == [
        "refund_deposit",
        "activate_card",
        "report_card_lost",
    ]
