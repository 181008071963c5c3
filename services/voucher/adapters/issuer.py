"""The lottery issuer (体彩侧), which voids vouchers so no store will accept them.

The sandbox keeps a real ledger of every void request in the voucher database's
``sandbox_issuer`` schema, committed on its own connection as an outside system
would, and fails on documented codes like a payment provider's test cards:

* a code ending in ``9999`` fails every time;
* a code ending in ``9998`` fails its first attempt only;
* ``KEFU_SANDBOX_ISSUER_FAIL_ALL`` fails everything, ``KEFU_SANDBOX_ISSUER_DELAY_MS`` slows it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from services.voucher.settings import VoucherSettings


@dataclass(frozen=True)
class VoidResult:
    voided: bool
    detail: str


class LotteryIssuer(Protocol):
    async def void(self, code: str, *, request_id: str) -> VoidResult:
        """Void ``code`` at the issuer. Voiding a code already voided succeeds again."""
        ...


class SandboxIssuer:
    def __init__(self, pool: asyncpg.Pool, settings: VoucherSettings) -> None:
        self._pool = pool
        self._settings = settings  # read per call, so a test or operator can flip it live

    async def void(self, code: str, *, request_id: str) -> VoidResult:
        if self._settings.sandbox_issuer_delay_ms > 0:
            await asyncio.sleep(self._settings.sandbox_issuer_delay_ms / 1000)
        async with self._pool.acquire() as conn, conn.transaction():
            # one decision per code at a time, so "first attempt" means first
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", code)
            history = await conn.fetchrow(
                "SELECT count(*) AS attempts, bool_or(succeeded) AS voided"
                " FROM sandbox_issuer.void_attempts WHERE code = $1",
                code,
            )
            result = self._decide(code, int(history["attempts"]), bool(history["voided"]))
            await conn.execute(
                "INSERT INTO sandbox_issuer.void_attempts (code, request_id, succeeded, detail)"
                " VALUES ($1, $2, $3, $4)",
                code,
                request_id,
                result.voided,
                result.detail,
            )
        return result

    def _decide(self, code: str, attempts: int, voided: bool) -> VoidResult:
        if self._settings.sandbox_issuer_fail_all:
            return VoidResult(False, "issuer unavailable (sandbox: fail_all)")
        if code.endswith("9999"):
            return VoidResult(False, "issuer refused the void (sandbox: code ends 9999)")
        if code.endswith("9998") and attempts == 0:
            return VoidResult(False, "issuer timed out (sandbox: first try of a code ending 9998)")
        return VoidResult(True, "already voided" if voided else "voided")


async def void_attempts(pool: asyncpg.Pool, code: str) -> list[asyncpg.Record]:
    """The sandbox ledger's rows for one code, oldest first (for tests and support)."""
    async with pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT code, request_id, succeeded, detail, at FROM sandbox_issuer.void_attempts"
                " WHERE code = $1 ORDER BY id",
                code,
            )
        )
