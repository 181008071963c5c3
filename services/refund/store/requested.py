"""Requested refunds, the supervisor's policy, and each business day's approved totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from services.refund.domain.errors import RefundNotFound
from services.refund.domain.requested import DayTotals, Policy
from services.refund.domain.stored import RequestedRefund, StoredPolicy
from shared.db import Db
from shared.db.query import Query, fetch_page
from shared.db.rows import row_as
from shared.paging import Page, Position


async def insert(conn: asyncpg.Connection, values: dict[str, Any]) -> bool:
    """A new requested refund; False when its request_id is known already."""
    columns = ", ".join(values)
    marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO requested_refunds ({columns}) VALUES ({marks})"
        " ON CONFLICT (request_id) DO NOTHING RETURNING refund_id",
        *values.values(),
    )
    return row is not None


async def by_request(conn: asyncpg.Connection, request_id: str) -> RequestedRefund | None:
    row = await conn.fetchrow("SELECT * FROM requested_refunds WHERE request_id = $1", request_id)
    return None if row is None else row_as(RequestedRefund, row)


async def row_of(conn: Db, refund_id: str, *, lock: bool = False) -> RequestedRefund:
    sql = "SELECT * FROM requested_refunds WHERE refund_id = $1" + (" FOR UPDATE" if lock else "")
    row = await conn.fetchrow(sql, refund_id)
    if row is None:
        raise RefundNotFound(f"no requested refund {refund_id}")
    return row_as(RequestedRefund, row)


async def update(conn: asyncpg.Connection, refund_id: str, now: datetime, **columns: Any) -> None:
    sets = {**columns, "updated_at": now}
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(sets, start=2))
    await conn.execute(
        f"UPDATE requested_refunds SET {assignments} WHERE refund_id = $1",
        refund_id,
        *sets.values(),
    )


@dataclass(frozen=True)
class RequestedSearch:
    states: tuple[str, ...] = ()
    user_id: str | None = None
    phone: str | None = None
    """The whole number or its end (the last four digits)."""
    request_id: str | None = None
    kind: str | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None


async def page(
    conn: Db, s: RequestedSearch, *, after: Position | None, limit: int
) -> Page[RequestedRefund]:
    """Requested refunds newest first (by when they reached us), with how many match."""
    q = Query()
    q.when(list(s.states) or None, "state = ANY({})")
    q.when(s.user_id, "user_id = {}")
    q.when(s.phone, "reverse(phone) LIKE reverse({}) || '%'")
    q.when(s.request_id, "request_id = {}")
    q.when(s.kind, "kind = {}")
    q.when(s.received_from, "received_at >= {}")
    q.when(s.received_before, "received_at < {}")
    order = ("received_at", "refund_id")
    rows = await fetch_page(
        conn, "requested_refunds", q, order=order, newest_first=True, after=after, limit=limit
    )
    return rows.map(lambda r: row_as(RequestedRefund, r))


async def policy(conn: Db) -> StoredPolicy:
    row = await conn.fetchrow("SELECT * FROM requested_refund_policy")
    assert row is not None, "the policy row is seeded by migration 0003"
    return StoredPolicy(row_as(Policy, row), row["updated_by"], row["updated_at"])


async def set_policy(conn: asyncpg.Connection, p: Policy, actor: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE requested_refund_policy SET window_start = $1, window_end = $2,"
        " daily_amount_cap_cents = $3, daily_count_cap = $4, updated_by = $5, updated_at = $6",
        p.window_start,
        p.window_end,
        p.daily_amount_cap_cents,
        p.daily_count_cap,
        actor,
        now,
    )


async def lock_day(conn: asyncpg.Connection, day: date) -> DayTotals:
    """The day's totals, locked until the transaction ends: approvals of one day queue here."""
    await conn.execute(
        "INSERT INTO requested_refund_days (day) VALUES ($1) ON CONFLICT DO NOTHING", day
    )
    row = await conn.fetchrow("SELECT * FROM requested_refund_days WHERE day = $1 FOR UPDATE", day)
    assert row is not None
    return DayTotals(day, row["approved_cents"], row["approved_count"])


async def save_day(conn: asyncpg.Connection, totals: DayTotals) -> None:
    await conn.execute(
        "UPDATE requested_refund_days SET approved_cents = $2, approved_count = $3 WHERE day = $1",
        totals.day,
        totals.approved_cents,
        totals.approved_count,
    )


async def day_totals(conn: Db, day: date) -> DayTotals:
    row = await conn.fetchrow("SELECT * FROM requested_refund_days WHERE day = $1", day)
    if row is None:
        return DayTotals(day, 0, 0)
    return DayTotals(day, row["approved_cents"], row["approved_count"])
