"""Reading the refund forms and their steps (owned by the refund forms' part of the service).

Relies only on the columns ``0001_refund_forms.sql`` promises to readers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from services.refund.reports.domain.finance import FormFacts, StepEvent
from services.refund.reports.domain.monthly import FormRecord
from shared.db import Db

_FORM_COLUMNS = (
    "form_id, order_no, phone, bank, amount_cents, filed_by, filed_at, state,"
    " submitted_to_finance_at, sent_back_reason, closed_reason, cause"
)


def step_of(row: asyncpg.Record) -> StepEvent:
    return StepEvent(
        row["form_id"], row["step"], row["decision"], row["opinion"], row["executor"], row["at"]
    )


def facts_of(row: asyncpg.Record) -> FormFacts:
    return FormFacts(
        row["form_id"],
        row["order_no"],
        row["phone"],
        row["amount_cents"],
        row["bank"],
        row["state"],
    )


async def steps_between(db: Db, start: datetime, end: datetime) -> list[StepEvent]:
    rows = await db.fetch(
        "SELECT form_id, step, decision, opinion, executor, at FROM refund_form_steps"
        " WHERE at >= $1 AND at < $2 ORDER BY at, id",
        start,
        end,
    )
    return [step_of(r) for r in rows]


async def facts(db: Db, form_ids: Sequence[str]) -> dict[str, FormFacts]:
    rows = await db.fetch(
        f"SELECT {_FORM_COLUMNS} FROM refund_forms WHERE form_id = ANY($1::text[])",
        list(form_ids),
    )
    return {r["form_id"]: facts_of(r) for r in rows}


async def form(db: Db, form_id: str) -> FormFacts | None:
    row = await db.fetchrow(f"SELECT {_FORM_COLUMNS} FROM refund_forms WHERE form_id = $1", form_id)
    return facts_of(row) if row is not None else None


async def _records(db: Db, where: str, start: datetime, end: datetime) -> list[asyncpg.Record]:
    return list(
        await db.fetch(
            f"SELECT {_FORM_COLUMNS} FROM refund_forms WHERE {where} >= $1 AND {where} < $2"
            " ORDER BY form_id",
            start,
            end,
        )
    )


async def _with_steps(db: Db, rows: list[asyncpg.Record]) -> list[tuple[FormRecord, str]]:
    steps: dict[str, list[StepEvent]] = defaultdict(list)
    for s in await db.fetch(
        "SELECT form_id, step, decision, opinion, executor, at FROM refund_form_steps"
        " WHERE form_id = ANY($1::text[]) ORDER BY id",
        [r["form_id"] for r in rows],
    ):
        steps[s["form_id"]].append(step_of(s))
    return [
        (
            FormRecord(
                form_id=r["form_id"],
                order_no=r["order_no"],
                phone=r["phone"],
                bank=r["bank"],
                amount_cents=r["amount_cents"],
                filed_by=r["filed_by"],
                filed_at=r["filed_at"],
                state=r["state"],
                submitted_to_finance_at=r["submitted_to_finance_at"],
                sent_back_reason=r["sent_back_reason"],
                closed_reason=r["closed_reason"],
                steps=tuple(steps[r["form_id"]]),
            ),
            r["cause"],
        )
        for r in rows
    ]


async def filed_between(db: Db, start: datetime, end: datetime) -> list[tuple[FormRecord, str]]:
    """Forms filed in the period, each with its steps and its cause."""
    return await _with_steps(db, await _records(db, "filed_at", start, end))


async def submitted_between(db: Db, start: datetime, end: datetime) -> list[FormRecord]:
    """Forms (last) submitted to finance in the period, each with its steps."""
    found = await _with_steps(db, await _records(db, "submitted_to_finance_at", start, end))
    return [f for f, _ in found]


async def breaches_between(db: Db, start: datetime, end: datetime) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM refund_form_deadlines WHERE breached_at >= $1 AND breached_at < $2",
        start,
        end,
    )
    return count
