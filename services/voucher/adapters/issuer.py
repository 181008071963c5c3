"""The lottery issuer (体彩侧), which voids vouchers so no store will accept them.

The sandbox keeps a real ledger of every void request in the voucher database's
``sandbox_issuer`` schema, committed on its own connection as an outside system
would (one call, one statement: its function in migration 0008), and fails on
documented codes like a payment provider's test cards:

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
from shared.db.sandbox import OWN_COMMIT_UNFLUSHED


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
        # the whole call in one statement, its own transaction (migration 0008: the codes
        # locked, their history read, each attempt decided and recorded), committed
        # without waiting for its flush: the voids are acted on only once the saga records
        # them, in a commit that flushes this one too (shared/db/sandbox.py)
        rows = await self._pool.fetch(
            "SELECT void_code, is_voided, answer"
            f" FROM {OWN_COMMIT_UNFLUSHED} AS unflushed, sandbox_issuer.void_in_order($1, $2, $3)",
            [r.code for r in requests],
            [r.request_id for r in requests],
            self._settings.sandbox_issuer_fail_all,
        )
        return [VoidResult(r["is_voided"], r["answer"]) for r in rows]


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
