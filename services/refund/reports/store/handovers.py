"""Shift handovers (``refund_handovers``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from pydantic import TypeAdapter

from services.refund.reports.domain.finance import FinanceLists, FormLine
from services.refund.reports.domain.handover import (
    Attendance,
    Cleaning,
    Draft,
    FollowUp,
    Handover,
)
from shared.db import Db
from shared.db.query import Query, fetch_page
from shared.paging import InvalidCursor, Page, Position

_LINES = TypeAdapter(list[FormLine])
_FOLLOW_UPS = TypeAdapter(list[FollowUp])
_ATTENDANCE = TypeAdapter(Attendance | None)
_CLEANING = TypeAdapter(Cleaning | None)


def handover_of(row: asyncpg.Record) -> Handover:
    return Handover(
        row["id"], row["handed_over_by"], row["acknowledged_by"], row["acknowledged_at"]
    )


def lines(value: Any) -> list[FormLine]:
    return _LINES.validate_python(value)


def follow_ups(value: Any) -> list[FollowUp]:
    return _FOLLOW_UPS.validate_python(value)


def attendance(value: Any) -> Attendance | None:
    return _ATTENDANCE.validate_python(value)


def cleaning(value: Any) -> Cleaning | None:
    return _CLEANING.validate_python(value)


async def insert(
    conn: asyncpg.Connection, draft: Draft, finance: FinanceLists, actor: str, now: datetime
) -> asyncpg.Record:
    row = await conn.fetchrow(
        "INSERT INTO refund_handovers (shift, period_start, period_end, handed_over_by,"
        " handed_over_at, finished, follow_ups, finance_handled, submitted_to_finance,"
        " sent_back_by_finance, notes, attendance, cleaning)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " RETURNING *",
        draft.shift.value,
        draft.period_start,
        draft.period_end,
        actor,
        now,
        list(draft.finished),
        _FOLLOW_UPS.dump_python(list(draft.follow_ups), mode="json"),
        _LINES.dump_python(finance.handled, mode="json"),
        _LINES.dump_python(finance.submitted, mode="json"),
        _LINES.dump_python(finance.sent_back, mode="json"),
        draft.notes,
        _ATTENDANCE.dump_python(draft.attendance, mode="json"),
        _CLEANING.dump_python(draft.cleaning, mode="json"),
    )
    assert row is not None
    return row


async def get(db: Db, handover_id: int, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await db.fetchrow(f"SELECT * FROM refund_handovers WHERE id = $1{suffix}", handover_id)


async def acknowledge(conn: asyncpg.Connection, h: Handover) -> asyncpg.Record:
    row = await conn.fetchrow(
        "UPDATE refund_handovers SET acknowledged_by = $2, acknowledged_at = $3"
        " WHERE id = $1 RETURNING *",
        h.id,
        h.acknowledged_by,
        h.acknowledged_at,
    )
    assert row is not None
    return row


async def page(
    db: Db, *, acknowledged: bool | None, after: Position | None, limit: int
) -> Page[asyncpg.Record]:
    """Handovers newest first, with how many match."""
    q = Query()
    q.when(acknowledged, "(acknowledged_by IS NOT NULL) = {}")
    if after is not None and not after.id.isdigit():
        raise InvalidCursor("the cursor is not one this list gave out")
    order = ("handed_over_at", "id")
    return await fetch_page(
        db, "refund_handovers", q, order=order, newest_first=True, after=after, limit=limit, key=int
    )
