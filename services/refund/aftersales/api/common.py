"""What the after-sales routes share: the use cases' context and paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from services.refund.aftersales.deps import Context
from shared.paging import MAX_LIMIT


async def _context(request: Request) -> Context:
    ctx: Context = request.app.state.aftersales
    return ctx


AftersalesContext = Annotated[Context, Depends(_context)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Cursor = Annotated[str | None, Query(description="The `next_cursor` of the previous page")]
