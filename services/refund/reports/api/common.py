"""What the handover and report routes share."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import StreamingResponse

from services.refund.reports.deps import Context


async def _context(request: Request) -> Context:
    ctx: Context = request.app.state.reports
    return ctx


ReportsContext = Annotated[Context, Depends(_context)]


def _lines(rows: Iterable[list[str]]) -> Iterator[str]:
    # A byte-order mark first: spreadsheet programs then read the Chinese headings as UTF-8.
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_download(rows: Iterable[list[str]], filename: str) -> StreamingResponse:
    """Stream the rows as CSV, one line at a time, as a download named ``filename``."""
    return StreamingResponse(
        _lines(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
