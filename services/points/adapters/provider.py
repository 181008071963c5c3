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

FAIL_ALWAYS_PREFIX = "FAILPTS"
FAIL_FIRST_ATTEMPT_PREFIX = "FLAKYPTS"


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
        # commits stays committed whatever becomes of the caller's transaction.
        async with self._pool.acquire() as conn, conn.transaction():
            answer = await self._refund_in(conn, order)
        # Raised after the commit, so a refused attempt still counts as an attempt.
        if isinstance(answer, str):
            raise RefundRefused(answer)
        return answer

    async def _refund_in(self, conn: asyncpg.Connection, order: RefundOrder) -> RefundReceipt | str:
        # The upsert locks the refund's attempt row: calls for one refund_id queue here.
        attempts: int = await conn.fetchval(
            "INSERT INTO bubble_refund_attempts (refund_id, attempts) VALUES ($1, 1)"
            " ON CONFLICT (refund_id) DO UPDATE"
            " SET attempts = bubble_refund_attempts.attempts + 1, last_attempt_at = now()"
            " RETURNING attempts",
            order.refund_id,
        )
        done = await conn.fetchrow(
            "SELECT user_id, points, balance_after, at FROM bubble_movements WHERE refund_id = $1",
            order.refund_id,
        )
        if done is not None:
            if (done["user_id"], done["points"]) != (order.user_id, order.points):
                return f"refund id {order.refund_id} was used for another refund"
            return RefundReceipt(order.refund_id, done["balance_after"], False, done["at"])
        refusal = self._refusal(order, attempts)
        if refusal is not None:
            return refusal
        # the balance and its movement in one statement, the movement carrying the balance
        moved = await conn.fetchrow(
            "WITH account AS (INSERT INTO bubble_accounts (user_id, balance) VALUES ($1, $2)"
            " ON CONFLICT (user_id) DO UPDATE"
            " SET balance = bubble_accounts.balance + $2, updated_at = now()"
            " RETURNING balance)"
            " INSERT INTO bubble_movements"
            " (user_id, kind, points, balance_after, refund_id, merchant_order_no)"
            " SELECT $1, 'refund', $2, balance, $3, $4 FROM account RETURNING balance_after, at",
            order.user_id,
            order.points,
            order.refund_id,
            order.merchant_order_no,
        )
        assert moved is not None  # the upsert always returns the account's row
        return RefundReceipt(order.refund_id, moved["balance_after"], True, moved["at"])

    def _refusal(self, order: RefundOrder, attempts: int) -> str | None:
        if self._fail_all:
            return "sandbox: the points provider is set to refuse every refund"
        if order.user_id.startswith(FAIL_ALWAYS_PREFIX):
            return f"sandbox: refunds to {FAIL_ALWAYS_PREFIX} users always fail"
        if order.user_id.startswith(FAIL_FIRST_ATTEMPT_PREFIX) and attempts == 1:
            return (
                f"sandbox: refunds to {FAIL_FIRST_ATTEMPT_PREFIX} users fail on their first attempt"
            )
        return None

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
