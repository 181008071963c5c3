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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from services.voucher.settings import VoucherSettings


@dataclass(frozen=True)
class VoidResult:
    voided: bool
    detail: str


@dataclass(frozen=True)
class VoidRequest:
    code: str
    request_id: str
    """The caller's id of this attempt (the issuer's ledger keeps it)."""


class LotteryIssuer(Protocol):
    async def void(self, code: str, *, request_id: str) -> VoidResult:
        """Void ``code`` at the issuer. Voiding a code already voided succeeds again."""
        ...

    async def void_in_order(self, requests: Sequence[VoidRequest]) -> list[VoidResult]:
        """Void each code in one call, in order, stopping at the first that is not voided:
        a result for each code tried (an order's vouchers, as a reversal voids them)."""
        ...


class SandboxIssuer:
    def __init__(self, pool: asyncpg.Pool, settings: VoucherSettings) -> None:
        self._pool = pool
        self._settings = settings  # read per call, so a test or operator can flip it live

    async def void(self, code: str, *, request_id: str) -> VoidResult:
        [result] = await self.void_in_order([VoidRequest(code, request_id)])
        return result

    async def void_in_order(self, requests: Sequence[VoidRequest]) -> list[VoidResult]:
        if self._settings.sandbox_issuer_delay_ms > 0:
            await asyncio.sleep(self._settings.sandbox_issuer_delay_ms / 1000)
        codes = [r.code for r in requests]
        async with self._pool.acquire() as conn, conn.transaction():
            # one decision per code at a time, so "first attempt" means first (the codes
            # locked in one order, so two calls sharing codes never deadlock)
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(c)) FROM unnest($1::text[]) AS c ORDER BY c",
                codes,
            )
            history = {
                row["code"]: (int(row["attempts"]), bool(row["voided"]))
                for row in await conn.fetch(
                    "SELECT code, count(*) AS attempts, bool_or(succeeded) AS voided"
                    " FROM sandbox_issuer.void_attempts WHERE code = ANY($1::text[])"
                    " GROUP BY code",
                    codes,
                )
            }
            results: list[VoidResult] = []
            for request in requests:
                attempts, voided = history.get(request.code, (0, False))
                results.append(self._decide(request.code, attempts, voided))
                if not results[-1].voided:
                    break
            tried = requests[: len(results)]
            await conn.execute(
                "INSERT INTO sandbox_issuer.void_attempts (code, request_id, succeeded, detail)"
                " SELECT * FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[])",
                [r.code for r in tried],
                [r.request_id for r in tried],
                [r.voided for r in results],
                [r.detail for r in results],
            )
        return results

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
