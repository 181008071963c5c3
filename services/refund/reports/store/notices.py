"""Which monthly-report notices were sent (``refund_report_notices``)."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg


async def claim(
    conn: asyncpg.Connection,
    month: date,
    department: str,
    due_on: date,
    recipients: list[str],
    now: datetime,
) -> bool:
    """True if this month's notice for the department is ours to send (and now recorded)."""
    row = await conn.fetchval(
        "INSERT INTO refund_report_notices (month, department, due_on, notified_at, recipients)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
        month,
        department,
        due_on,
        now,
        recipients,
    )
    return row is not None
