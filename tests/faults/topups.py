"""Rental counter top-ups during a fault: the customers are registered and their identity
checked (SMS code) before; the stream is the money-moving command alone, ``POST
/topups`` with an Idempotency-Key, retried as an agent's client would."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from shared.contracts import RENTAL_USER_REGISTERED, UserRegistered
from tests.e2e.helpers import Platform, phone

R = "/api/v1/rental"
AMOUNT_CENTS = 1_000
RETRY_PAUSE_SECONDS = 0.3


@dataclass
class TopUp:
    user_id: str
    verification_id: str
    key: str
    sent_at: float = 0.0
    answered_at: float | None = None
    refused: str | None = None
    tries: int = 0

    @property
    def accepted(self) -> bool:
        return self.answered_at is not None


async def prepare(
    lead: httpx.AsyncClient, platform: Platform, count: int, within: float = 120
) -> list[TopUp]:
    """``count`` registered customers, each with an identity check good for one top-up."""
    users = [(f"fault-{uuid.uuid4().hex[:10]}", phone()) for _ in range(count)]
    for user_id, mobile in users:
        await platform.publish(
            RENTAL_USER_REGISTERED,
            UserRegistered(
                event_id=str(uuid.uuid4()),
                user_id=user_id,
                phone=mobile,
                name="故障",
                registered_at=datetime.now(UTC) - timedelta(days=1),
            ),
        )
    deadline = time.monotonic() + within
    return list(
        await asyncio.gather(
            *(_checked(lead, user_id, mobile, deadline) for user_id, mobile in users)
        )
    )


async def _checked(lead: httpx.AsyncClient, user_id: str, mobile: str, deadline: float) -> TopUp:
    while True:
        assert time.monotonic() < deadline, f"{user_id}: no identity check in time"
        account = await lead.get(f"{R}/accounts/{user_id}")
        if account.status_code == 200 and account.json().get("registered"):
            break
        await asyncio.sleep(0.2)
    sent = await lead.post(f"{R}/topups/codes", json={"user_id": user_id})
    assert sent.status_code == 201, sent.text
    while True:
        assert time.monotonic() < deadline, f"{user_id}: no SMS code in time"
        latest = await lead.get("/api/v1/notify/sms/latest-code", params={"phone": mobile})
        if latest.status_code == 200:
            break
        await asyncio.sleep(0.2)
    checked = await lead.post(
        f"{R}/topups/identity-checks",
        json={"user_id": user_id, "method": "sms_code", "code": latest.json()["code"]},
    )
    assert checked.status_code == 201, checked.text
    return TopUp(user_id, checked.json()["verification_id"], str(uuid.uuid4()))


async def top_up(lead: httpx.AsyncClient, command: TopUp, deadline: float) -> None:
    body = {
        "user_id": command.user_id,
        "amount_cents": AMOUNT_CENTS,
        "confirmed_amount_cents": AMOUNT_CENTS,
        "verification_id": command.verification_id,
        "payment_method": "cash",
        "payer_account": "cash-drawer-fault",
    }
    command.sent_at = time.monotonic()
    while time.monotonic() < deadline:
        command.tries += 1
        try:
            response = await lead.post(
                f"{R}/topups", json=body, headers={"Idempotency-Key": command.key}
            )
        except httpx.HTTPError:
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            continue
        if response.status_code == 201:
            command.answered_at = time.monotonic()
            return
        code = response.json().get("code") if response.content else None
        if response.status_code >= 500 or code in ("request_in_progress", "topup_in_progress"):
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            continue
        command.refused = f"{response.status_code} {code}"
        return


async def run_top_ups(
    lead: httpx.AsyncClient,
    commands: list[TopUp],
    *,
    stop_sending_at: float,
    answer_by: float,
    pause: float,
) -> None:
    """One agent at the counter, one customer after another."""
    for command in commands:
        if time.monotonic() >= stop_sending_at:
            return
        await top_up(lead, command, answer_by)
        await asyncio.sleep(pause)


async def money_wrong(url: str, commands: list[TopUp]) -> tuple[int, int]:
    """(customers topped up more than once, accepted top-ups not on the account exactly)."""
    users = [c.user_id for c in commands if c.sent_at]
    conn = await asyncpg.connect(url)
    try:
        rows = {
            r["user_id"]: (r["n"], r["balance"])
            for r in await conn.fetch(
                "SELECT a.user_id, a.balance_cents AS balance,"
                " (SELECT count(*) FROM topups t WHERE t.user_id = a.user_id) AS n"
                " FROM accounts a WHERE a.user_id = ANY($1::text[])",
                users,
            )
        }
    finally:
        await conn.close()
    twice = sum(1 for n, _ in rows.values() if n > 1)
    wrong = sum(
        1 for c in commands if c.accepted and rows.get(c.user_id, (0, 0)) != (1, AMOUNT_CENTS)
    )
    return twice, wrong
