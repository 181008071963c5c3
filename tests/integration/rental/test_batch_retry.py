"""Issue 14 point 8 for the rental service's batch handlers: the platform's events and its
payments. One message of a batch that needs a retry rolls the batch back and replays it one
message at a time; that is right only because every effect of these handlers is in the
service's database. Shown here: each batch-mate applied once, the one message parked alone
and applied once when it can be, and nothing reaching outside (outbox, the sandbox
counter's ledger) more than one application per message gives."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.batch_replay import (
    apply_one_batch,
    outside_effects,
    parked_ids,
    replayed,
    watch,
)
from tests.infra import eventually
from tests.integration.rental.conftest import Rental, new_id, point
from tests.integration.rental.test_account_support import accounts, payment

pytestmark = pytest.mark.integration
__all__ = ["accounts"]


def trip_started(user_id: str) -> dict[str, object]:
    return {
        "event_id": new_id("e"),
        "trip_id": new_id("t"),
        "user_id": user_id,
        "bike_id": new_id("b"),
        "started_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "start_point": point(1),
    }


async def test_a_trip_start_waiting_for_its_user_replays_no_batch_mate(
    accounts: Rental, caplog: pytest.LogCaptureFixture
) -> None:
    watch(caplog)
    known = [await accounts.register() for _ in range(3)]
    for user in known:
        await accounts.wait_row("SELECT 1 FROM users WHERE user_id = $1", user)
    late_user = new_id("u")
    events = [trip_started(u) for u in (known[0], late_user, known[1], known[2])]
    before = await outside_effects(accounts.pool)

    ids = await apply_one_batch(accounts.app.state.platform.runtime, "rental.trip_started", events)

    assert replayed(caplog, "rental.trip_started")  # the whole batch was rolled back
    assert await parked_ids(accounts.pool, "rental.trip_started") >= {ids[1]}
    for event in events[:1] + events[2:]:
        rows = await accounts.pool.fetchval(
            "SELECT count(*) FROM trips WHERE trip_id = $1", event["trip_id"]
        )
        assert rows == 1, event
    await accounts.register(late_user)  # the user arrives: the parked start applies

    async def late_trip() -> bool:
        return bool(
            await accounts.pool.fetchval(
                "SELECT count(*) FROM trips WHERE trip_id = $1", events[1]["trip_id"]
            )
        )

    await eventually(late_trip, what="the parked trip start applied")
    inbox = await accounts.pool.fetch(
        "SELECT ce_id FROM inbox WHERE consumer = 'rental.trip_started' AND ce_id = ANY($1)", ids
    )
    assert sorted(r["ce_id"] for r in inbox) == sorted(ids)  # each applied, once
    assert await outside_effects(accounts.pool) == before


async def test_a_charge_waiting_for_its_top_up_replays_no_batch_mate(
    accounts: Rental, caplog: pytest.LogCaptureFixture
) -> None:
    watch(caplog)
    users = [f"u-batch-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    waiting = payment(users[1], "rental_charge", 300, from_balance=True, trip_id=new_id("t"))
    events = [
        payment(users[0], "top_up", 1_000),
        waiting,  # from a balance whose top-up has not arrived: BalanceNotYetThere
        payment(users[2], "top_up", 2_000),
        payment(users[3], "deposit", 9_900),
    ]
    before = await outside_effects(accounts.pool)

    ids = await apply_one_batch(
        accounts.app.state.platform.runtime, "rental.payment_received", events
    )

    assert replayed(caplog, "rental.payment_received")
    assert await parked_ids(accounts.pool, "rental.payment_received") >= {ids[1]}
    for event in events[:1] + events[2:]:
        moved = await accounts.pool.fetch(
            "SELECT amount_cents FROM account_ledger WHERE reference = $1", event["payment_id"]
        )
        assert [m["amount_cents"] for m in moved] == [event["amount_cents"]], event
    # the top-up arrives: the parked charge applies, once
    await apply_one_batch(
        accounts.app.state.platform.runtime,
        "rental.payment_received",
        [payment(users[1], "top_up", 500)],
    )

    async def charged() -> int:
        n: int = await accounts.pool.fetchval(
            "SELECT count(*) FROM account_ledger WHERE reference = $1", waiting["payment_id"]
        )
        return n

    await eventually(charged, what="the parked charge applied")
    assert await charged() == 1
    assert await outside_effects(accounts.pool) == before
