"""The counter's payment device (收银/POS): takes a top-up's money from the paying account.

The sandbox keeps a real ledger in the rental database's ``sandbox_counter`` schema,
committed on its own connection as an outside system would, and fails on documented
paying accounts like a payment provider's test cards:

* a paying account ending ``0001`` is short (``payer_account_short``) every time;
* ending ``0002`` has a device fault (``device_fault``) every time;
* ending ``0003`` has a device fault on its first attempt only (a retry succeeds);
* ``KEFU_SANDBOX_COUNTER_FAIL_ALL`` faults every charge, ``KEFU_SANDBOX_COUNTER_DELAY_MS``
  slows each one.

A charge id is charged once: asking again after a success answers the same success
without taking the money twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal, Protocol

import asyncpg

from services.rental.settings import RentalSettings

ChargeFailure = Literal["payer_account_short", "device_fault"]


@dataclass(frozen=True)
class ChargeResult:
    charged: bool
    failure: ChargeFailure | None
    detail: str


class CounterPayments(Protocol):
    async def charge(
        self, charge_id: str, *, payer_account: str, method: str, amount_cents: int
    ) -> ChargeResult:
        """Take ``amount_cents`` from the paying account; idempotent per ``charge_id``."""
        ...


class SandboxCounter:
    """Connects for each charge on its own, outside the service's pool, as an outside
    system would: its ledger commits whatever happens to the top-up that asked."""

    def __init__(self, service: str, settings: RentalSettings) -> None:
        self._service = service  # its ledger lives in this service's database
        self._settings = settings  # read per call, so a test or operator can flip it live

    async def charge(
        self, charge_id: str, *, payer_account: str, method: str, amount_cents: int
    ) -> ChargeResult:
        if self._settings.sandbox_counter_delay_ms > 0:
            await asyncio.sleep(self._settings.sandbox_counter_delay_ms / 1000)
        conn = await asyncpg.connect(self._settings.database_url_for(self._service))
        try:
            return await self._charge(conn, charge_id, payer_account, method, amount_cents)
        finally:
            await conn.close()

    async def _charge(
        self,
        conn: asyncpg.Connection,
        charge_id: str,
        payer_account: str,
        method: str,
        amount_cents: int,
    ) -> ChargeResult:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", charge_id)
            history = await conn.fetchrow(
                "SELECT count(*) AS attempts, bool_or(succeeded) AS charged"
                " FROM sandbox_counter.attempts WHERE charge_id = $1",
                charge_id,
            )
            if history["charged"]:
                return ChargeResult(True, None, "already charged")
            result = self._decide(payer_account, int(history["attempts"]))
            await conn.execute(
                "INSERT INTO sandbox_counter.attempts"
                " (charge_id, payer_account, method, amount_cents, succeeded, failure)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                charge_id,
                payer_account,
                method,
                amount_cents,
                result.charged,
                result.failure,
            )
        return result

    def _decide(self, payer_account: str, attempts: int) -> ChargeResult:
        if self._settings.sandbox_counter_fail_all:
            return ChargeResult(False, "device_fault", "device offline (sandbox: fail_all)")
        if payer_account.endswith("0001"):
            return ChargeResult(False, "payer_account_short", "insufficient funds (sandbox: 0001)")
        if payer_account.endswith("0002"):
            return ChargeResult(False, "device_fault", "POS fault (sandbox: 0002)")
        if payer_account.endswith("0003") and attempts == 0:
            return ChargeResult(False, "device_fault", "POS timed out (sandbox: first try, 0003)")
        return ChargeResult(True, None, "charged")


async def charge_attempts(pool: asyncpg.Pool, charge_id: str) -> list[asyncpg.Record]:
    """The sandbox ledger's rows for one charge, oldest first (for tests and support)."""
    return list(
        await pool.fetch(
            "SELECT * FROM sandbox_counter.attempts WHERE charge_id = $1 ORDER BY id", charge_id
        )
    )
