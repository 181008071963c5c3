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
    HandoverRecord,
)
from shared.db import Db
from shared.db.query import Query, fetch_page
from shared.paging import InvalidCursor, Page, Position

_LINES = TypeAdapter(list[FormLine])
_FOLLOW_UPS = TypeAdapter(list[FollowUp])
_ATTENDANCE = TypeAdapter(Attendance | None)
_CLEANING = TypeAdapter(Cleaning | None)


def _record(row: asyncpg.Record) -> HandoverRecord:
    return HandoverRecord(
        id=row["id"],
        shift=row["shift"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        handed_over_by=row["handed_over_by"],
        handed_over_at=row["handed_over_at"],
        finished=tuple(row["finished"]),
        follow_ups=tuple(_FOLLOW_UPS.validate_python(row["follow_ups"])),
        finance_handled=_lines(row["finance_handled"]),
        submitted_to_finance=_lines(row["submitted_to_finance"]),
        sent_back_by_finance=_lines(row["sent_back_by_finance"]),
        notes=row["notes"],
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=row["acknowledged_at"],
        attendance=_ATTENDANCE.validate_python(row["attendance"]),
        cleaning=_CLEANING.validate_python(row["cleaning"]),
    )


def _lines(value: Any) -> tuple[FormLine, ...]:
    return tuple(_LINES.validate_python(value))


async def insert(
    conn: asyncpg.Connection, draft: Draft, finance: FinanceLists, actor: str, now: datetime
) -> HandoverRecord:
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
    return _record(row)


async def get(db: Db, handover_id: int, *, lock: bool = False) -> HandoverRecord | None:
    suffix = " FOR UPDATE" if lock else ""
    row = await db.fetchrow(f"SELECT * FROM refund_handovers WHERE id = $1{suffix}", handover_id)
    return None if row is None else _record(row)


async def acknowledge(conn: asyncpg.Connection, h: Handover) -> HandoverRecord:
    row = await conn.fetchrow(
        "UPDATE refund_handovers SET acknowledged_by = $2, acknowledged_at = $3"
        " WHERE id = $1 RETURNING *",
        h.id,
        h.acknowledged_by,
        h.acknowledged_at,
    )
    return _record(row)


async def page(
    db: Db, *, acknowledged: bool | None, after: Position | None, limit: int
) -> Page[HandoverRecord]:
    """Handovers newest first, with how many match."""
    q = Query()
    q.when(acknowledged, "(acknowledged_by IS NOT NULL) = {}")
    if after is not None and not after.id.isdigit():
        raise InvalidCursor("the cursor is not one this list gave out")
    order = ("handed_over_at", "id")
    found = await fetch_page(
        db, "refund_handovers", q, order=order, newest_first=True, after=after, limit=limit, key=int
    )
    return Page([_record(r) for r in found.items], found.next_cursor, found.total)
