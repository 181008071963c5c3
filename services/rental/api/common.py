"""What the routes share: the use cases' dependencies and paging (one shape, ``shared.paging``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request

from services.rental.deps import Deps
from services.rental.domain.trips import Order
from shared.paging import MAX_LIMIT, InvalidCursor, Position, page_of

T = TypeVar("T")
R = TypeVar("R")


async def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


RentalDeps = Annotated[Deps, Depends(_deps)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Cursor = Annotated[str | None, Query(description="The `next_cursor` of the previous page")]
PhoneFilter = Annotated[
    str | None,
    Query(
        description="The whole phone number, or its last four digits",
        examples=["13800138000", "8000"],
    ),
]
NameFilter = Annotated[
    str | None,
    Query(
        description="The beginning of the registered name: a surname, or more of the name",
        examples=["张", "张伟"],
    ),
]


def keyset(at: str, key: str) -> Callable[[Any], Position]:
    """The position of an item in a list ordered by its ``(at, key)`` attributes."""
    return lambda item: Position(getattr(item, at), str(getattr(item, key)))


def order_position(order: Order) -> Position:
    """The position of an order in a list ordered by its start."""
    return Position(order.started_at, order.trip_id)


def numeric_id(position: Position | None) -> int | None:
    """The id of a position in a list keyed by a number (a ledger row, a version)."""
    if position is None:
        return None
    if not position.id.isdigit():
        raise InvalidCursor("the cursor is not one this service gave out")
    return int(position.id)


def paged(
    rows: Sequence[R],
    limit: int,
    position: Callable[[R], Position],
    out: Callable[[R], T],
    total: int | None = None,
) -> dict[str, Any]:
    """The fields of a page model from a query that fetched ``limit + 1`` rows."""
    page = page_of(rows, limit, position, total)
    return {
        "items": [out(r) for r in page.items],
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
        "total": page.total,
    }
