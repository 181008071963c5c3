"""Refund payouts during a fault: stored-value refunds arrive as the rental service asks
for them (``refund.requested.v1``, with the original paying account), and an operations
supervisor approves each through the gateway (``POST .../approve`` with an
Idempotency-Key, retried as an agent's client would). The payout itself runs in the refund
service's worker; each approved refund must end ``completed``, paid once (one payout in
the payment provider's ledger, of the amount) at the account its request recorded."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import httpx

from shared.contracts import REFUND_REQUESTED, RefundRequested
from tests.e2e.helpers import Platform, phone

R = "/api/v1/refunds"
AMOUNT_CENTS = 2_300
RETRY_PAUSE_SECONDS = 0.3
FINAL = frozenset({"completed", "rejected", "payout_failed"})


@dataclass
class Payout:
    request_id: str
    account: str
    key: str
    refund_id: str = ""
    sent_at: float = 0.0
    answered_at: float | None = None
    refused: str | None = None
    final: str | None = None
    finished_at: float | None = None

    @property
    def accepted(self) -> bool:
        return self.answered_at is not None


async def prepare(
    ops: httpx.AsyncClient, platform: Platform, count: int, within: float = 90
) -> list[Payout]:
    """``count`` stored-value refunds awaiting approval, under a policy that lets all pass."""
    policy = {
        "window_start": "00:00:00",
        "window_end": "23:59:59.999999",
        "daily_amount_cap_cents": 10**9,
        "daily_count_cap": 10**6,
    }
    opened = await ops.put(f"{R}/policy", json=policy)
    assert opened.status_code == 200, opened.text
    payouts = []
    for n in range(count):
        payout = Payout(
            f"fault-stored-value-{uuid.uuid4().hex[:10]}",
            f"62220202{n:08d}",
            str(uuid.uuid4()),
        )
        await platform.publish(
            REFUND_REQUESTED,
            RefundRequested(
                request_id=payout.request_id,
                requester="rental",
                kind="stored_value",
                user_id=f"fault-{uuid.uuid4().hex[:8]}",
                amount_cents=AMOUNT_CENTS,
                phone=phone(),
                reason="故障演练：储值退款",
                requested_by="agent",
                requested_at=datetime.now(UTC),
                payout_method="bank_card",
                payout_account=payout.account,
            ),
        )
        payouts.append(payout)
    deadline = time.monotonic() + within
    for payout in payouts:
        while not payout.refund_id:
            assert time.monotonic() < deadline, f"{payout.request_id}: not received in time"
            found = await ops.get(f"{R}/requested", params={"request_id": payout.request_id})
            items = found.json()["items"] if found.status_code == 200 else []
            if items:
                payout.refund_id = items[0]["refund_id"]
            else:
                await asyncio.sleep(0.2)
    return payouts


async def approve(ops: httpx.AsyncClient, payout: Payout, deadline: float) -> None:
    path = f"{R}/requested/{payout.refund_id}/approve"
    body = {"amount_cents": AMOUNT_CENTS, "opinion": "同意退款"}
    payout.sent_at = time.monotonic()
    while time.monotonic() < deadline:
        try:
            response = await ops.post(path, json=body, headers={"Idempotency-Key": payout.key})
        except httpx.HTTPError:
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            continue
        if response.status_code == 200:
            payout.answered_at = time.monotonic()
            return
        code = response.json().get("code") if response.content else None
        if response.status_code >= 500 or code == "request_in_progress":
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            continue
        payout.refused = f"{response.status_code} {code}"
        return


async def run_approvals(
    ops: httpx.AsyncClient,
    payouts: list[Payout],
    *,
    stop_sending_at: float,
    answer_by: float,
    settle_by: float,
    pause: float,
) -> None:
    """One supervisor approving one refund after another, then watching them end."""
    for payout in payouts:
        if time.monotonic() >= stop_sending_at:
            break
        await approve(ops, payout, answer_by)
        await asyncio.sleep(pause)
    waiting = [p for p in payouts if p.accepted]
    while waiting and time.monotonic() < settle_by:
        for payout in list(waiting):
            try:
                found = await ops.get(f"{R}/requested/{payout.refund_id}")
            except httpx.HTTPError:
                continue
            state = found.json().get("state") if found.status_code == 200 else None
            if state in FINAL:
                payout.final, payout.finished_at = state, time.monotonic()
                waiting.remove(payout)
        await asyncio.sleep(0.3)


async def money_wrong(url: str, payouts: list[Payout]) -> tuple[int, int]:
    """(refunds paid more than once, approved refunds not paid exactly once, of the amount,
    at the recorded account), from the payment provider's own ledger."""
    approved = [p for p in payouts if p.accepted]
    ids = [f"requested-{p.refund_id}" for p in approved]
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT payout_id, account, amount_cents FROM sandbox_payment.payouts"
            " WHERE payout_id = ANY($1::text[])",
            ids,
        )
    finally:
        await conn.close()
    paid: dict[str, list[tuple[str, int]]] = {}
    for r in rows:
        paid.setdefault(r["payout_id"], []).append((r["account"], r["amount_cents"]))
    twice = sum(1 for v in paid.values() if len(v) > 1)
    wrong = sum(
        1
        for p in approved
        if paid.get(f"requested-{p.refund_id}") != [(f"bank_card:{p.account}", AMOUNT_CENTS)]
    )
    return twice, wrong
