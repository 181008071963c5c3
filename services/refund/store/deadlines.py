"""The durable timers of the time limits: one row per form and limit."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.refund.domain.deadlines import Deadline, Limit
from shared.db import Db


def deadline_of(row: asyncpg.Record) -> Deadline:
    return Deadline(
        form_id=row["form_id"],
        limit=Limit(row["step"]),
        due_at=row["due_at"],
        paused_at=row["paused_at"],
        met_at=row["met_at"],
        breached_at=row["breached_at"],
    )


async def of_form(conn: Db, form_id: str) -> list[Deadline]:
    rows = await conn.fetch(
        "SELECT * FROM refund_form_deadlines WHERE form_id = $1 ORDER BY due_at", form_id
    )
    return [deadline_of(r) for r in rows]


async def upsert(conn: asyncpg.Connection, d: Deadline) -> None:
    await conn.execute(
        "INSERT INTO refund_form_deadlines (form_id, step, due_at, paused_at, met_at,"
        " breached_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (form_id, step) DO UPDATE SET due_at = $3, paused_at = $4, met_at = $5,"
        " breached_at = $6",
        d.form_id,
        d.limit.value,
        d.due_at,
        d.paused_at,
        d.met_at,
        d.breached_at,
    )


async def lock_overdue(
    conn: asyncpg.Connection, now: datetime, limit: int = 100
) -> list[tuple[Deadline, str]]:
    """Running, unpaused limits past due, each with its form's order number, locked for
    this sweep (replicas skip them)."""
    rows = await conn.fetch(
        "SELECT d.*, f.order_no FROM refund_form_deadlines d"
        " JOIN refund_forms f USING (form_id)"
        " WHERE d.met_at IS NULL AND d.breached_at IS NULL AND d.paused_at IS NULL"
        " AND d.due_at <= $1 ORDER BY d.due_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED",
        now,
        limit,
    )
    return [(deadline_of(r), r["order_no"]) for r in rows]


async def due_counts(conn: Db, now: datetime, soon: datetime) -> dict[str, dict[str, int]]:
    """Open limits by step: how many are ``overdue`` and how many fall ``due_soon`` (before
    ``soon``); a step with none open is left out."""
    rows = await conn.fetch(
        "SELECT step, count(*) FILTER (WHERE due_at <= $1) AS overdue,"
        " count(*) FILTER (WHERE due_at > $1 AND due_at <= $2) AS due_soon"
        " FROM refund_form_deadlines WHERE met_at IS NULL AND paused_at IS NULL"
        " GROUP BY step",
        now,
        soon,
    )
    return {r["step"]: {"overdue": r["overdue"], "due_soon": r["due_soon"]} for r in rows}


async def next_due(conn: Db) -> datetime | None:
    """The earliest running time limit's due time, or pending payout's next attempt (the
    sweep sleeps until then); None when neither is set. The partial indexes answer it."""
    due: datetime | None = await conn.fetchval(
        "SELECT least("
        " (SELECT min(due_at) FROM refund_form_deadlines"
        "  WHERE met_at IS NULL AND breached_at IS NULL AND paused_at IS NULL),"
        " (SELECT min(next_attempt_at) FROM payouts WHERE status = 'pending'))"
    )
    return due
