"""What the routes share: the use cases' dependencies and paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from services.notify.deps import Deps
from shared.paging import MAX_LIMIT


async def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


NotifyDeps = Annotated[Deps, Depends(_deps)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Cursor = Annotated[str | None, Query(description="The `next_cursor` of the previous page")]
