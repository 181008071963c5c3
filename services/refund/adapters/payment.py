"""The payment provider that pays refunds back to the customer's original card or account.

The sandbox keeps a real ledger in the refund database's ``sandbox_payment`` schema,
committed on its own connection as an outside system would: every request it got,
and one payout per payout id at most. It is idempotent on our payout id, so a
repeated request (a retry, a worker that crashed between request and answer) gets
the first payout's reference back and never pays twice. It fails on documented
amounts, like a payment provider's test cards:

* an amount ending in ``.99`` (cents % 100 == 99) fails every time;
* an amount ending in ``.98`` fails its first attempt only;
* an amount ending in ``.97`` pays at once but answers ``LATE_ANSWER_SECONDS`` late, so a
  test can kill the service between the payment and our record of it;
* ``KEFU_SANDBOX_PAYMENT_FAIL_ALL`` fails everything, ``KEFU_SANDBOX_PAYMENT_DELAY_MS`` slows it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from services.refund.settings import RefundSettings

LATE_ANSWER_SECONDS = 3.0


@dataclass(frozen=True)
class PayoutResult:
    paid: bool
    reference: str | None
    """The provider's reference of the payout, when paid."""
    detail: str


class PaymentProvider(Protocol):
    async def pay(self, payout_id: str, *, amount_cents: int, account: str) -> PayoutResult:
        """Pay ``amount_cents`` to ``account`` once per ``payout_id``; asking again answers
        with the same payout."""
        ...


class SandboxPayments:
    def __init__(self, pool: asyncpg.Pool, settings: RefundSettings) -> None:
        self._pool = pool
        self._settings = settings  # read per call, so a test or operator can flip it live

    async def pay(self, payout_id: str, *, amount_cents: int, account: str) -> PayoutResult:
        if self._settings.sandbox_payment_delay_ms > 0:
            await asyncio.sleep(self._settings.sandbox_payment_delay_ms / 1000)
        async with self._pool.acquire() as conn, conn.transaction():
            # one decision per payout id at a time, so "first attempt" means first
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", payout_id)
            paid = await conn.fetchrow(
                "SELECT reference, amount_cents FROM sandbox_payment.payouts WHERE payout_id = $1",
                payout_id,
            )
            attempts = await conn.fetchval(
                "SELECT count(*) FROM sandbox_payment.payout_attempts WHERE payout_id = $1",
                payout_id,
            )
            if paid is not None:
                result = PayoutResult(True, paid["reference"], "already paid")
            else:
                result = self._decide(amount_cents, int(attempts))
                if result.paid:
                    await conn.execute(
                        "INSERT INTO sandbox_payment.payouts (payout_id, amount_cents, account,"
                        " reference) VALUES ($1, $2, $3, $4)",
                        payout_id,
                        amount_cents,
                        account,
                        result.reference,
                    )
            await conn.execute(
                "INSERT INTO sandbox_payment.payout_attempts (payout_id, amount_cents, paid,"
                " detail) VALUES ($1, $2, $3, $4)",
                payout_id,
                amount_cents,
                result.paid,
                result.detail,
            )
        if result.paid and amount_cents % 100 == 97:
            await asyncio.sleep(LATE_ANSWER_SECONDS)
        return result

    def _decide(self, amount_cents: int, attempts: int) -> PayoutResult:
        if self._settings.sandbox_payment_fail_all:
            return PayoutResult(False, None, "payment provider unavailable (sandbox: fail_all)")
        if amount_cents % 100 == 99:
            return PayoutResult(False, None, "bank refused the payout (sandbox: amount .99)")
        if amount_cents % 100 == 98 and attempts == 0:
            return PayoutResult(False, None, "bank timed out (sandbox: first try of amount .98)")
        return PayoutResult(True, f"PAY-{uuid.uuid4().hex[:16].upper()}", "paid")


async def ledger(pool: asyncpg.Pool, payout_id: str) -> list[asyncpg.Record]:
    """The sandbox's payouts for one payout id (0 or 1 rows): what actually left the bank."""
    async with pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT * FROM sandbox_payment.payouts WHERE payout_id = $1", payout_id
            )
        )
