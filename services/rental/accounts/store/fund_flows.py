"""Fund flows: the ledger's money-crossing movements, filtered, totalled and streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from services.rental.accounts.domain.fund_flow import FundFlowFilter
from services.rental.accounts.domain.stored import FundFlow, FundFlowTotal
from shared.db import Db
from shared.db.rows import rows_as

_COLUMNS = ", ".join(FundFlow._fields)
"""FundFlow's fields, in its order: each row is built from its values alone."""
_WHERE = (
    " WHERE at >= $1 AND at < $2 AND kind = ANY($3::text[]) AND ($4::text IS NULL OR user_id = $4)"
)
STREAM_PREFETCH = 2000
"""Rows the server-side cursor fetches at a time: memory stays flat however long the range."""


def _args(f: FundFlowFilter) -> list[Any]:
    return [f.start, f.end, [k.value for k in f.kinds], f.user_id]


async def page(
    db: Db, f: FundFlowFilter, *, after: tuple[Any, int] | None, limit: int
) -> list[FundFlow]:
    """Oldest first, a keyset page after ``(at, id)``; ``limit + 1`` rows."""
    return [
        FundFlow(*row.values())
        for row in await db.fetch(
            f"SELECT {_COLUMNS} FROM account_ledger{_WHERE}"
            " AND ($5::timestamptz IS NULL OR (at, id) > ($5, $6))"
            " ORDER BY at, id LIMIT $7",
            *_args(f),
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
    ]


async def totals(db: Db, f: FundFlowFilter) -> list[FundFlowTotal]:
    """Count and sum per kind over the whole filter (not one page)."""
    return rows_as(
        FundFlowTotal,
        await db.fetch(
            "SELECT kind, count(*) AS count, coalesce(sum(amount_cents), 0)::bigint AS amount_cents"
            f" FROM account_ledger{_WHERE} GROUP BY kind ORDER BY kind",
            *_args(f),
        ),
    )


async def stream(conn: asyncpg.Connection, f: FundFlowFilter) -> AsyncIterator[FundFlow]:
    """Every matching row, oldest first, through a server-side cursor (the caller holds a
    transaction open on ``conn``)."""
    async for row in conn.cursor(
        f"SELECT {_COLUMNS} FROM account_ledger{_WHERE} ORDER BY at, id",
        *_args(f),
        prefetch=STREAM_PREFETCH,
    ):
        yield FundFlow(*row.values())
