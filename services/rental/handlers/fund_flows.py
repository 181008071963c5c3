"""Fund flows: a page with the filter's totals, and the CSV export that streams."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from services.rental.domain.fund_flow import (
    CSV_COLUMNS,
    FundFlowFilter,
    csv_row,
    decode_cursor,
    encode_cursor,
)
from services.rental.handlers.account_deps import AccountDeps
from services.rental.store import fund_flows as store
from shared.db.pool import read_snapshot

CSV_CHUNK_ROWS = 1000
"""Rows per chunk written to the client: big enough to be cheap, small enough to be flat."""


@dataclass(frozen=True)
class FundFlowPage:
    items: list[asyncpg.Record]
    totals: list[asyncpg.Record]
    next_cursor: str | None


async def page(
    deps: AccountDeps, f: FundFlowFilter, *, cursor: str | None, limit: int
) -> FundFlowPage:
    after = decode_cursor(cursor)
    async with read_snapshot(deps.pool) as conn:
        # One snapshot: the page and the totals see the same ledger.
        items = await store.page(conn, f, after=after, limit=limit)
        totals = await store.totals(conn, f) if after is None else []
    last = items[-1] if len(items) == limit else None
    next_cursor = encode_cursor(last["at"], last["id"]) if last is not None else None
    return FundFlowPage(items, totals, next_cursor)


async def export_csv(deps: AccountDeps, f: FundFlowFilter) -> AsyncIterator[bytes]:
    """The CSV, a chunk at a time, from a server-side cursor: memory stays flat for a
    month of a busy city. UTF-8 with a BOM, so spreadsheet programs read it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    rows = 0
    async with read_snapshot(deps.pool) as conn:
        async for row in store.stream(conn, f):
            writer.writerow(
                csv_row(
                    row["id"],
                    row["at"],
                    row["user_id"],
                    row["kind"],
                    row["amount_cents"],
                    row["reference"],
                    row["actor"],
                    deps.tz,
                )
            )
            rows += 1
            if rows % CSV_CHUNK_ROWS == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()
