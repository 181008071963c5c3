"""Fund flows: a page with the filter's totals, and the CSV export that streams."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.domain.fund_flow import CSV_COLUMNS, FundFlowFilter, csv_row
from services.rental.accounts.domain.stored import FundFlow, FundFlowTotal
from services.rental.accounts.store import fund_flows as store
from shared.db.pool import read_snapshot
from shared.paging import Page, Position, page_of

CSV_CHUNK_ROWS = 1000
"""Rows per chunk written to the client: big enough to be cheap, small enough to be flat."""


@dataclass(frozen=True)
class FundFlowPage:
    page: Page[FundFlow]
    totals: list[FundFlowTotal]
    """Per kind over the whole filter; on the first page only (empty on the others)."""


def _position(row: FundFlow) -> Position:
    return Position(row.at, str(row.id))


async def page(
    deps: AccountDeps, f: FundFlowFilter, *, after: tuple[datetime, int] | None, limit: int
) -> FundFlowPage:
    """A page after ``(at, movement id)``; the first page (no ``after``) has the totals."""
    async with read_snapshot(deps.pool) as conn:
        # One snapshot: the page and the totals see the same ledger.
        rows = await store.page(conn, f, after=after, limit=limit)
        totals = await store.totals(conn, f) if after is None else []
    total = sum(int(t.count) for t in totals) if after is None else None
    return FundFlowPage(page_of(rows, limit, _position, total), totals)


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
                    row.id,
                    row.at,
                    row.user_id,
                    row.kind,
                    row.amount_cents,
                    row.reference,
                    row.actor,
                    deps.tz,
                )
            )
            rows += 1
            if rows % CSV_CHUNK_ROWS == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()
