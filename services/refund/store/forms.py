"""Refund forms: the current row, the domain form rebuilt from it, and the step history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.refund.domain.deadlines import Limit
from services.refund.domain.errors import FormNotFound
from services.refund.domain.forms import Form, Record, State, Transition
from services.refund.domain.stored import FormStep, QueuedForm, StoredForm
from shared.db import Db
from shared.db.query import Query, fetch_page
from shared.db.rows import row_as, rows_as
from shared.paging import Page, Position

REVIEW_DECISIONS = ("approved", "sent_back")


async def insert(conn: asyncpg.Connection, values: dict[str, Any]) -> bool:
    """A new form; False when the order already has one."""
    columns = ", ".join(values)
    marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO refund_forms ({columns}) VALUES ({marks})"
        " ON CONFLICT (order_no) DO NOTHING RETURNING form_id",
        *values.values(),
    )
    return row is not None


async def row_of(conn: Db, form_id: str, *, lock: bool = False) -> StoredForm:
    sql = "SELECT * FROM refund_forms WHERE form_id = $1" + (" FOR UPDATE" if lock else "")
    row = await conn.fetchrow(sql, form_id)
    if row is None:
        raise FormNotFound(f"no refund form {form_id}")
    return row_as(StoredForm, row)


async def form_of(conn: Db, stored: StoredForm) -> Form:
    """The domain form: its state and who did what so far (for separation of duties)."""
    return (await forms_of(conn, [stored]))[0]


async def forms_of(conn: Db, stored: Sequence[StoredForm]) -> list[Form]:
    """The domain forms of ``stored`` (a page of a list), their steps read in one query."""
    steps = await conn.fetch(
        "SELECT form_id, step, decision, executor FROM refund_form_steps"
        " WHERE form_id = ANY($1::text[])",
        [f.form_id for f in stored],
    )
    deciders: dict[str, dict[str, frozenset[str]]] = {f.form_id: {} for f in stored}
    resubmitters: dict[str, set[str]] = {f.form_id: set() for f in stored}
    for s in steps:
        if s["decision"] in REVIEW_DECISIONS:
            of_form = deciders[s["form_id"]]
            of_form[s["step"]] = of_form.get(s["step"], frozenset()) | {s["executor"]}
        elif s["step"] == "resubmitted":
            resubmitters[s["form_id"]].add(s["executor"])
    return [
        Form(
            form_id=f.form_id,
            state=State(f.state),
            round=f.round,
            filed_by=f.filed_by,
            resubmitted_by=frozenset(resubmitters[f.form_id]),
            deciders=deciders[f.form_id],
            waiting_customer=f.waiting_customer_since is not None,
            amount_cents=f.amount_cents,
        )
        for f in stored
    ]


async def save(
    conn: asyncpg.Connection,
    step: Transition,
    now: datetime,
    *,
    trace_id: str | None,
    **columns: Any,
) -> None:
    """Persist a transition: the state, any extra columns, and its history rows."""
    form = step.after
    sets = {"state": form.state.value, "round": form.round, "updated_at": now, **columns}
    if step.pause is True:
        sets["waiting_customer_since"] = now
    elif step.pause is False or (step.before.waiting_customer and not form.waiting_customer):
        sets["waiting_customer_since"] = None
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(sets, start=2))
    await conn.execute(
        f"UPDATE refund_forms SET {assignments} WHERE form_id = $1", form.form_id, *sets.values()
    )
    await add_records(
        conn, form.form_id, form.round, step.records, step.before.state, form.state, now, trace_id
    )


async def add_records(
    conn: asyncpg.Connection,
    form_id: str,
    round_: int,
    records: Sequence[Record],
    from_state: State | None,
    to_state: State,
    now: datetime,
    trace_id: str | None,
) -> None:
    await conn.executemany(
        "INSERT INTO refund_form_steps (form_id, round, step, decision, opinion, executor,"
        " executor_role, from_state, to_state, trace_id, at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        [
            (
                form_id,
                round_,
                r.step,
                r.decision,
                r.opinion,
                r.executor,
                r.executor_role,
                from_state.value if from_state else None,
                to_state.value,
                trace_id,
                now,
            )
            for r in records
        ],
    )


async def steps(conn: Db, form_id: str) -> list[FormStep]:
    rows = await conn.fetch(
        "SELECT * FROM refund_form_steps WHERE form_id = $1 ORDER BY id", form_id
    )
    return rows_as(FormStep, rows)


@dataclass(frozen=True)
class FormSearch:
    """What a refund-form search asks for; None (or empty) asks nothing of that field."""

    states: tuple[str, ...] = ()
    phone: str | None = None
    """The whole number or its end (the last four digits)."""
    customer_name: str | None = None
    """Part of the name."""
    order_no: str | None = None
    complaint_no: str | None = None
    filed_by: str | None = None
    filed_from: datetime | None = None
    filed_before: datetime | None = None


def _search(q: Query, s: FormSearch) -> None:
    q.when(list(s.states) or None, "f.state = ANY({})")
    q.when(s.phone, "reverse(f.phone) LIKE reverse({}) || '%'")
    q.when(s.customer_name and f"%{_escaped(s.customer_name)}%", "f.customer_name ILIKE {}")
    q.when(s.order_no, "f.order_no = {}")
    q.when(s.complaint_no, "f.complaint_no = {}")
    q.when(s.filed_by, "f.filed_by = {}")
    q.when(s.filed_from, "f.filed_at >= {}")
    q.when(s.filed_before, "f.filed_at < {}")


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def page(
    conn: Db, search: FormSearch, *, after: Position | None, limit: int
) -> Page[StoredForm]:
    """Forms newest first by filing time, with how many match the search."""
    q = Query()
    _search(q, search)
    order = ("f.filed_at", "f.form_id")
    rows = await fetch_page(
        conn, "refund_forms f", q, order=order, newest_first=True, after=after, limit=limit
    )
    return rows.map(lambda r: row_as(StoredForm, r))


def _queued(row: asyncpg.Record) -> QueuedForm:
    return QueuedForm(
        form=row_as(StoredForm, row),
        due_at=row["due_at"],
        due_limit=row["due_limit"],
        due_paused=row["due_paused"],
        due_breached_at=row["due_breached_at"],
        queued_at=row["queued_at"],
    )


async def queue(
    conn: Db,
    waiting: dict[State, Limit | None],
    *,
    after: Position | None,
    limit: int,
) -> Page[QueuedForm]:
    """Forms in the given states, oldest first by ``queued_at``: the due time of the limit
    each runs under (``due_at``, ``due_limit``, ``due_paused``, ``due_breached_at``), or,
    for a state under no limit (sent back), when it came back."""
    q = Query()
    states = [s.value for s in waiting]
    limits = [under.value if under else None for under in waiting.values()]
    source = (
        "(SELECT f.*, d.due_at, d.step AS due_limit, d.paused_at IS NOT NULL AS due_paused,"
        " d.breached_at AS due_breached_at, coalesce(d.due_at, f.sent_back_at) AS queued_at"
        " FROM refund_forms f LEFT JOIN refund_form_deadlines d ON d.form_id = f.form_id AND"
        f" d.step = ({q.arg(limits)}::text[])[array_position({q.arg(states)}::text[], f.state)]"
        f" WHERE f.state = ANY({q.arg(states)}::text[])) queued"
    )
    q.where("queued_at IS NOT NULL")
    order = ("queued_at", "form_id")
    rows = await fetch_page(
        conn, source, q, order=order, newest_first=False, after=after, limit=limit
    )
    return rows.map(_queued)
