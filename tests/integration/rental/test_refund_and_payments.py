"""Refunds held until their outcome and moved once; platform payments into the ledger once
per payment id; concurrent top-ups, charges and refunds keeping the ledger exact."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from services.rental.accounts.handlers import payments
from shared.contracts import (
    REFUND_COMPLETED,
    REFUND_REJECTED,
    RENTAL_PAYMENT_RECEIVED,
    PaymentReceived,
)
from shared.errors import DomainError
from shared.messaging import cloudevents
from tests.infra import eventually
from tests.integration.rental.conftest import Rental
from tests.integration.rental.test_account_support import (
    accounts,
    assert_books_exact,
    books,
    id_checked,
    payment,
    post,
    registered,
    snapshot,
    top_up_body,
)

pytestmark = pytest.mark.integration
__all__ = ["accounts"]


async def paid(rental: Rental, user: str, kind: str, amount: int, **extra: Any) -> str:
    event = payment(user, kind, amount, **extra)
    await rental.publish(RENTAL_PAYMENT_RECEIVED.name, event, key=user, ce_id=event["event_id"])
    await rental.wait_row("SELECT 1 FROM account_ledger WHERE reference = $1", event["payment_id"])
    return str(event["payment_id"])


def outcome(request: dict[str, Any], completed: bool, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    common = {
        "request_id": request["request_id"],
        "refund_id": f"R-{uuid.uuid4().hex[:8]}",
        "requester": "rental",
        "kind": request["kind"],
        "user_id": extra.pop("user_id"),
        "amount_cents": request["amount_cents"],
    }
    if completed:
        return {
            **common,
            "approved_by": "ops.zhao",
            "payout_reference": "PAY-1",
            "completed_at": now,
            **extra,
        }
    return {
        **common,
        "reason": "rejected_by_supervisor",
        "detail": "no proof",
        "rejected_by": "ops.zhao",
        "rejected_at": now,
        **extra,
    }


async def answered(rental: Rental, request_id: str, status: str) -> None:
    await rental.wait_row(
        "SELECT 1 FROM refund_requests WHERE request_id = $1 AND status = $2", request_id, status
    )


async def test_payments_are_recorded_once_per_payment_id_even_before_registration(
    accounts: Rental,
) -> None:
    user = f"u-unseen-{uuid.uuid4().hex[:8]}"  # no registration yet: the account opens anyway
    top = await paid(accounts, user, "top_up", 10_000)
    dup = payment(user, "top_up", 10_000, payment_id=top)
    await accounts.publish(RENTAL_PAYMENT_RECEIVED.name, dup, key=user, ce_id=dup["event_id"])
    await paid(accounts, user, "deposit", 29_900)
    await paid(accounts, user, "rental_charge", 300, trip_id="t-1", from_balance=True)
    await paid(accounts, user, "insurance_fee", 100)  # through the provider: no balance effect
    await accounts.wait_row(
        "SELECT 1 FROM inbox WHERE consumer = 'rental.payment_received' AND ce_id = $1",
        dup["event_id"],
    )
    kept = await assert_books_exact(accounts, user)
    assert (kept.balance_cents, kept.deposit_cents) == (9_700, 29_900)
    kinds = await accounts.pool.fetch(
        "SELECT kind FROM account_ledger WHERE user_id = $1 ORDER BY id", user
    )
    assert [k["kind"] for k in kinds] == [
        "top_up",
        "deposit_paid",
        "rental_charge",
        "insurance_fee",
    ]


async def test_deposit_refund_held_then_paid_exactly_once(accounts: Rental) -> None:
    user = await registered(accounts)
    await paid(accounts, user, "deposit", 29_900)
    before = await snapshot(accounts, user)
    for body, code in (
        (
            {"kind": "deposit", "amount_cents": 10_000, "reason": "退押金"},
            "deposit_refund_amount_mismatch",
        ),
        ({"kind": "deposit", "reason": " "}, "reason_required"),
        ({"kind": "stored_value", "reason": "退余额"}, "balance_insufficient"),
    ):
        refused = await post(accounts, f"/accounts/{user}/refunds", body)
        assert refused.json()["code"] == code, refused.text
        assert await snapshot(accounts, user) == before

    asked = await post(
        accounts, f"/accounts/{user}/refunds", {"kind": "deposit", "reason": "退押金"}
    )
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert request["amount_cents"] == 29_900 and request["status"] == "pending"
    held = await books(accounts, user)
    assert (held.deposit_cents, held.held_cents) == (0, 29_900)
    again = await post(accounts, f"/accounts/{user}/refunds", {"kind": "deposit", "reason": "再退"})
    assert again.status_code == 409  # no deposit left (and one pending)
    sent = await accounts.pool.fetchrow(
        "SELECT payload FROM outbox WHERE topic = 'refund.requested.v1' AND key = $1", user
    )
    assert json.loads(bytes(sent["payload"]))["request_id"] == request["request_id"]

    done = outcome(request, True, user_id=user)
    twice = [await accounts.publish(REFUND_COMPLETED.name, done, key=user) for _ in range(2)]
    await answered(accounts, request["request_id"], "completed")
    # ... and, after it was paid, a contradicting rejection: the money moved once already.
    late = outcome(request, False, user_id=user)
    seen = [
        *(("rental.refund_completed", ce_id) for ce_id in twice),
        ("rental.refund_rejected", await accounts.publish(REFUND_REJECTED.name, late, key=user)),
    ]
    for consumer, ce_id in seen:
        await accounts.wait_row(
            "SELECT 1 FROM inbox WHERE consumer = $1 AND ce_id = $2", consumer, ce_id
        )
    kept = await assert_books_exact(accounts, user)
    assert (kept.deposit_cents, kept.held_cents) == (0, 0)
    kinds = await accounts.pool.fetch(
        "SELECT kind FROM account_ledger WHERE user_id = $1 ORDER BY id", user
    )
    assert [k["kind"] for k in kinds] == ["deposit_paid", "refund_held", "refund_paid"]


async def test_stored_value_refund_rejected_restores_the_balance(accounts: Rental) -> None:
    user = await registered(accounts)
    await paid(accounts, user, "top_up", 8_000)
    asked = await post(
        accounts,
        f"/accounts/{user}/refunds",
        {"kind": "stored_value", "amount_cents": 5_000, "reason": "不再使用", "proof": "R-889"},
    )
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert (await books(accounts, user)).balance_cents == 3_000
    other = {**outcome(request, False, user_id=user), "requester": "shop"}
    await accounts.publish(REFUND_REJECTED.name, other, key=user)  # not ours: ignored
    await accounts.publish(REFUND_REJECTED.name, outcome(request, False, user_id=user), key=user)
    await answered(accounts, request["request_id"], "rejected")
    kept = await assert_books_exact(accounts, user)
    assert (kept.balance_cents, kept.held_cents) == (8_000, 0)


async def test_concurrent_top_ups_charges_and_refunds_keep_the_ledger_exact(
    accounts: Rental,
) -> None:
    user = await registered(accounts)
    await paid(accounts, user, "top_up", 100_000)
    deps = accounts.app.state.accounts
    verifications = [await id_checked(accounts, user) for _ in range(12)]

    async def counter_top_up(verification_id: str) -> int:
        body = top_up_body(user, verification_id, 1_000)
        return (await post(accounts, "/topups", body)).status_code

    async def charge(n: int) -> bool:
        event = PaymentReceived.model_validate(
            payment(user, "rental_charge", 3_000, trip_id=f"t{n}", from_balance=True)
        )
        try:
            async with deps.pool.acquire() as conn, conn.transaction():
                await payments.record_payment(deps.within(conn), event)
            return True
        except DomainError:
            return False

    async def refund() -> tuple[int, str | None]:
        body = {"kind": "stored_value", "amount_cents": 10_000, "reason": "退余额"}
        response = await post(accounts, f"/accounts/{user}/refunds", body)
        return response.status_code, response.json().get("code")

    results = await asyncio.gather(
        *(counter_top_up(v) for v in verifications),
        *(charge(n) for n in range(20)),
        *(refund() for _ in range(3)),
    )
    top_ups, charges, refunds = results[:12], results[12:32], results[32:]
    assert top_ups.count(201) == 5 and top_ups.count(409) == 7  # count_per_day is 5
    assert all(charges)  # the money was there for every one
    assert sorted(refunds, key=str) == [
        (202, None),
        (409, "refund_pending"),
        (409, "refund_pending"),
    ]
    kept = await assert_books_exact(accounts, user)
    assert kept.balance_cents == 100_000 + 5 * 1_000 - 20 * 3_000 - 10_000 == 35_000
    assert kept.held_cents == 10_000

    # More charges than the balance covers, all at once: exactly as many as it allows.
    charged = await asyncio.gather(*(charge(n) for n in range(20, 40)))
    assert charged.count(True) == 11
    kept = await assert_books_exact(accounts, user)
    assert kept.balance_cents == 35_000 - 11 * 3_000 == 2_000


async def dead_letter_reason(rental: Rental, topic: str, field: str, value: str) -> str:
    """The DLQ reason of the message on ``topic``'s DLQ whose payload has ``field`` = ``value``."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=rental.settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:

        async def found() -> str | None:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    if json.loads(r.value).get(field) == value:
                        return cloudevents.decode(r.headers)["kefu_dlq_reason"]
            return None

        return await eventually(found, what=f"a dead letter on {topic}")
    finally:
        await consumer.stop()


async def test_conflicting_payments_and_unknown_refunds_are_dead_lettered(
    accounts: Rental,
) -> None:
    user = await registered(accounts)
    first = await paid(accounts, user, "top_up", 1_000)
    conflict = payment(user, "top_up", 2_000, payment_id=first)
    await accounts.publish(RENTAL_PAYMENT_RECEIVED.name, conflict, key=user)
    reason = await dead_letter_reason(accounts, RENTAL_PAYMENT_RECEIVED.dlq, "payment_id", first)
    assert reason == "payment_conflict"

    stray = outcome(
        {"request_id": f"rental-deposit-{user}-99", "kind": "deposit", "amount_cents": 100},
        True,
        user_id=user,
    )
    await accounts.publish(REFUND_COMPLETED.name, stray, key=user)
    reason = await dead_letter_reason(
        accounts, REFUND_COMPLETED.dlq, "request_id", stray["request_id"]
    )
    assert reason == "unknown_refund_request"
    kept = await assert_books_exact(accounts, user)
    assert (kept.balance_cents, kept.held_cents) == (1_000, 0)
