"""When the next announcement schedule is due (the schedule's sweep sleeps until then)."""

from __future__ import annotations

import asyncpg

CHANNEL = "notify_timers"
"""Notified when a schedule is set or changed (migration 0009)."""


async def seconds_to_next_due(conn: asyncpg.Connection) -> float | None:
    """Until the next announcement is due to go online or offline (None: none is scheduled);
    the same rows :func:`services.notify.store.announcements.claim_due` takes."""
    due = await conn.fetchval(
        "SELECT extract(epoch FROM least("
        " (SELECT min(publish_at) FROM announcements WHERE status <> 'online'),"
        " (SELECT min(withdraw_at) FROM announcements WHERE status = 'online')"
        ") - now())"
    )
    return None if due is None else float(due)
