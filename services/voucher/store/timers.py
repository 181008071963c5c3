"""When the voucher service's next durable timer is due (its sweep sleeps until then)."""

from __future__ import annotations

import asyncpg

CHANNEL = "voucher_timers"
"""Notified by the timer tables' triggers (migration 0007) when a timer is set sooner than
any other: the sweep wakes to re-plan."""


async def seconds_to_next_due(conn: asyncpg.Connection) -> float | None:
    """Until the earliest lease of a voiding saga or pending void, or refund request
    answer time, runs out (None: no timer is set). The partial indexes answer it."""
    due = await conn.fetchval(
        "SELECT extract(epoch FROM least("
        " (SELECT min(due_at) FROM reversal_sagas WHERE state IN ('voiding', 'refund_requested')),"
        " (SELECT min(due_at) FROM operations WHERE type = 'void' AND status = 'pending')"
        ") - now())"
    )
    return None if due is None else float(due)
