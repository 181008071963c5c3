"""The monthly statistics' decisions, stored tables and follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias

import asyncpg
from pydantic import TypeAdapter

from services.refund.reports.domain.monthly import FinanceRow, ServiceRow
from services.refund.reports.domain.statistics import (
    Department,
    Statistics,
    StatisticsState,
    Step,
)
from shared.db import Db
from shared.db.query import Query, fetch_page
from shared.paging import Page, Position

Rows: TypeAlias = list[ServiceRow] | list[FinanceRow]
_TABLES: dict[Department, TypeAdapter[Any]] = {
    Department.SERVICE: TypeAdapter(list[ServiceRow]),
    Department.FINANCE: TypeAdapter(list[FinanceRow]),
}


@dataclass(frozen=True)
class Decision:
    by: str | None
    at: datetime | None
    text: str | None


@dataclass(frozen=True)
class MonthStatistics:
    """A month's statistics as stored: where they stand, who decided what, the table."""

    statistics: Statistics
    approved: Decision
    returned: Decision
    verified: Decision
    archived: Decision
    rows: Rows | None
    updated_at: datetime | None


@dataclass(frozen=True)
class HistoryRow:
    action: str
    actor: str
    role: str
    opinion: str
    at: datetime


def statistics_id(month: date, department: Department) -> str:
    return f"{month:%Y-%m}:{department.value}"


def _of(row: asyncpg.Record) -> MonthStatistics:
    department = Department(row["department"])
    return MonthStatistics(
        Statistics(row["month"], department, StatisticsState(row["state"]), row["approved_by"]),
        Decision(row["approved_by"], row["approved_at"], row["approval_opinion"]),
        Decision(row["returned_by"], row["returned_at"], row["return_reason"]),
        Decision(row["verified_by"], row["verified_at"], row["verification_opinion"]),
        Decision(row["archived_by"], row["archived_at"], None),
        _TABLES[department].validate_python(row["rows"]) if row["rows"] is not None else None,
        row["updated_at"],
    )


def draft(month: date, department: Department) -> MonthStatistics:
    """A month nobody has approved yet: computed when asked."""
    nobody = Decision(None, None, None)
    return MonthStatistics(
        Statistics(month, department), nobody, nobody, nobody, nobody, None, None
    )


async def get(
    db: Db, month: date, department: Department, *, lock: bool = False
) -> MonthStatistics:
    row = await db.fetchrow(
        "SELECT * FROM refund_monthly_statistics WHERE month = $1 AND department = $2"
        + (" FOR UPDATE" if lock else ""),
        month,
        department.value,
    )
    return _of(row) if row is not None else draft(month, department)


async def save(
    conn: asyncpg.Connection, step: Step, actor: str, now: datetime, rows: Rows | None = None
) -> bool:
    """Record the decision (the state, its columns, the history row); False when another
    decision got there first (a concurrent approval of the same month)."""
    s = step.after
    columns: dict[str, Any] = {"state": s.state.value, "updated_at": now}
    if step.action == "approve":
        table = _TABLES[s.department].dump_python(rows, mode="json")
        columns |= {
            "rows": table,
            "approved_by": actor,
            "approved_at": now,
            "approval_opinion": step.opinion,
            "verified_by": None,
            "verified_at": None,
            "verification_opinion": None,
        }
    elif step.action == "return":
        columns |= {"rows": None, "returned_by": actor, "returned_at": now}
        columns["return_reason"] = step.opinion
    elif step.action == "verify":
        columns |= {"verified_by": actor, "verified_at": now, "verification_opinion": step.opinion}
    elif step.action == "archive":
        columns |= {"archived_by": actor, "archived_at": now}
    if step.action == "approve":
        names = ", ".join(columns)
        marks = ", ".join(f"${i}" for i in range(4, len(columns) + 4))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
        done = await conn.fetchval(
            f"INSERT INTO refund_monthly_statistics (id, month, department, {names})"
            f" VALUES ($1, $2, $3, {marks}) ON CONFLICT (month, department) DO UPDATE"
            f" SET {updates} WHERE refund_monthly_statistics.state = 'returned' RETURNING true",
            statistics_id(s.month, s.department),
            s.month,
            s.department.value,
            *columns.values(),
        )
    elif step.action != "follow_up":
        sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=3))
        done = await conn.fetchval(
            f"UPDATE refund_monthly_statistics SET {sets}"
            " WHERE month = $1 AND department = $2 RETURNING true",
            s.month,
            s.department.value,
            *columns.values(),
        )
    else:
        done = True
    if not done:
        return False
    await conn.execute(
        "INSERT INTO refund_monthly_statistics_steps (month, department, action, actor, role,"
        " opinion, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        s.month,
        s.department.value,
        step.action,
        actor,
        step.role,
        step.opinion,
        now,
    )
    return True


async def history(db: Db, month: date, department: Department) -> list[HistoryRow]:
    rows = await db.fetch(
        "SELECT action, actor, role, opinion, at FROM refund_monthly_statistics_steps"
        " WHERE month = $1 AND department = $2 ORDER BY id",
        month,
        department.value,
    )
    return [HistoryRow(r["action"], r["actor"], r["role"], r["opinion"], r["at"]) for r in rows]


async def page(
    db: Db,
    *,
    departments: list[str],
    state: str | None,
    after: Position | None,
    limit: int,
) -> Page[MonthStatistics]:
    """Months with a decision, the latest decided first."""
    q = Query()
    q.where("department = ANY({})", departments)
    q.when(state, "state = {}")
    got = await fetch_page(
        db,
        "refund_monthly_statistics",
        q,
        order=("updated_at", "id"),
        newest_first=True,
        after=after,
        limit=limit,
    )
    return got.map(_of)
