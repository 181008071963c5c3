"""What the routes share: the use cases' dependencies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse

from services.refund.deps import Deps
from shared.idempotency import Answer
from shared.paging import MAX_LIMIT, Page, PageOut

P = TypeVar("P", bound=PageOut)


async def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


RefundDeps = Annotated[Deps, Depends(_deps)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
PhoneTail = Annotated[
    str | None,
    Query(pattern=r"^\+?[0-9]{4,20}$", description="The whole number or its last four digits"),
]


def fields_of(stored: Any) -> dict[str, Any]:
    """A dataclass's fields by name, for an answer model to be validated from: shallow
    (``dataclasses.asdict`` deep-copies every value, datetimes too, on every answer, for a
    dict that is only read)."""
    return {f.name: getattr(stored, f.name) for f in fields(stored)}


def answered(answer: Answer) -> JSONResponse:
    """A keyed command's answer, as it was first given."""
    return JSONResponse(answer.body, status_code=answer.status)


def page_out(model: type[P], page: Page[Any], items: Sequence[Any]) -> P:
    """A store's page as a list answer, its rows shown as ``items``."""
    return model(
        items=items,
        next_cursor=page.next_cursor,
        has_more=page.has_more,
        total=page.total,
    )
