"""Points providers: where refunded points land. Bubble points (泡泡) is the only one with
a refund interface today; its sandbox keeps a real ledger.

The provider is idempotent on ``refund_id``: asked twice for one refund, it applies it
once and answers "applied" both times. That is what lets the points gateway call it
outside its own transaction and retry after a crash without refunding twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import asyncpg

from shared.db.pool import read_snapshot
from shared.db.sandbox import OWN_COMMIT_UNFLUSHED

FAIL_ALWAYS_PREFIX = "FAILPTS"
FAIL_FIRST_ATTEMPT_PREFIX = "FLAKYPTS"
ALWAYS = 2**31 - 1
"""Refused attempts of a refund that is refused every time."""


@dataclass(frozen=True)
class RefundOrder:
    refund_id: str
    user_id: str
    points: int
    merchant_order_no: str


@dataclass(frozen=True)
class RefundReceipt:
    refund_id: str
    balance_after: int
    applied_now: bool
    """False when the refund had been applied by an earlier call."""
    at: datetime


class RefundRefused(Exception):
    """The provider answered no: a business answer, reported back rather than retried."""


class NoAnswer(Exception):
    """The provider's answer is unknown (it timed out, or could not be reached): the refund
    is asked again later with the same ``refund_id``. Not an ``OSError``, which the consumer
    runtime takes for our own database being away (its batch delivered again, the provider
    asked again for every message of it)."""


@dataclass(frozen=True)
class Movement:
    refund_id: str | None
    points: int
    merchant_order_no: str | None
    at: datetime
    kind: str


@dataclass(frozen=True)
class PointsAccount:
    user_id: str
    balance: int
    movements: list[Movement]
    """Newest first."""


class PointsProvider(Protocol):
    async def refund(self, order: RefundOrder) -> RefundReceipt:
        """Apply the refund once per ``refund_id``; raise :class:`RefundRefused` on a no.

        Any other exception means the answer is unknown (timeout, provider away): the
        caller must ask again with the same ``refund_id``.
        """
        ...

    async def account(self, user_id: str, limit: int) -> PointsAccount: ...


class SandboxBubbleProvider:
    """The bubble-points provider for development and tests, with a ledger in our database.

    Documented test users, like a payment provider's test cards: a user id starting
    with ``FAILPTS`` is refused every time, ``FLAKYPTS`` on each refund's first attempt.
    ``delay_ms`` makes every refund slow; ``fail_all`` refuses every refund.
    """

    def __init__(self, pool: asyncpg.Pool, *, delay_ms: int = 0, fail_all: bool = False) -> None:
        self._pool = pool
        self._delay = delay_ms / 1000
        self._fail_all = fail_all

    async def refund(self, order: RefundOrder) -> RefundReceipt:
        if self._delay:
            await asyncio.sleep(self._delay)
        # Its own connection and transaction, as an outside system would have: what it
        # commits stays committed whatever becomes of the caller's transaction. The whole
        # call is one statement (migration 0003), so a refused attempt still counts. It
        # commits without waiting for its flush: the refund is acted on only once the
        # gateway records it, in a commit that flushes this one too (shared/db/sandbox.py).
        row = await self._pool.fetchrow(
            "SELECT attempts, reused, balance_after, applied_now, at"
            f" FROM {OWN_COMMIT_UNFLUSHED} AS unflushed, bubble_refund($1, $2, $3, $4, $5)",
            order.refund_id,
            order.user_id,
            order.points,
            order.merchant_order_no,
            self._refused_attempts(order),
        )
        assert row is not None  # the function always answers one row
        if row["reused"]:
            raise RefundRefused(f"refund id {order.refund_id} was used for another refund")
        if row["at"] is None:
            raise RefundRefused(self._refusal(order))
        return RefundReceipt(order.refund_id, row["balance_after"], row["applied_now"], row["at"])

    def _refused_attempts(self, order: RefundOrder) -> int:
        """How many first attempts of this refund the sandbox refuses (its test users)."""
        if self._fail_all or order.user_id.startswith(FAIL_ALWAYS_PREFIX):
            return ALWAYS
        return 1 if order.user_id.startswith(FAIL_FIRST_ATTEMPT_PREFIX) else 0

    def _refusal(self, order: RefundOrder) -> str:
        if self._fail_all:
            return "sandbox: the points provider is set to refuse every refund"
        if order.user_id.startswith(FAIL_ALWAYS_PREFIX):
            return f"sandbox: refunds to {FAIL_ALWAYS_PREFIX} users always fail"
        return f"sandbox: refunds to {FAIL_FIRST_ATTEMPT_PREFIX} users fail on their first attempt"

    async def account(self, user_id: str, limit: int) -> PointsAccount:
        async with read_snapshot(self._pool) as conn:
            balance = await conn.fetchval(
                "SELECT balance FROM bubble_accounts WHERE user_id = $1", user_id
            )
            rows = await conn.fetch(
                "SELECT refund_id, points, merchant_order_no, at, kind FROM bubble_movements"
                " WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
                user_id,
                limit,
            )
        movements = [
            Movement(r["refund_id"], r["points"], r["merchant_order_no"], r["at"], r["kind"])
            for r in rows
        ]
        return PointsAccount(user_id, balance or 0, movements)
