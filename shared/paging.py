"""One way to page a list, in every service: the cursor, the page's shape, unknown filters.

A cursor is opaque to callers: the keyset position ``(time, id)`` of the last row
given out, versioned and base64url-encoded. Lists are ordered by time (newest first,
or oldest due first for a queue) and break ties by id, so a position is always
a time and an id. A cursor that does not decode is refused (422 ``invalid_cursor``),
never taken for an empty page, which a caller would read as "no more records".

Every page answers ``items``, ``next_cursor`` and ``has_more`` (and ``total`` where
it is cheap): a console shows "load more" or "page N" the same way everywhere.
Pure (domain code decodes cursors); the refusal of unknown filters, a FastAPI
dependency, is in ``shared.filters``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from shared.errors import InvalidInput

_VERSION = "p1"
MAX_LIMIT = 200

T = TypeVar("T")
U = TypeVar("U")


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


@dataclass(frozen=True)
class Position:
    """Where the next page starts: strictly beyond this (time, id) in the list's order."""

    at: datetime
    id: str


def encode_cursor(position: Position) -> str:
    raw = json.dumps([_VERSION, position.at.isoformat(), position.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str | None) -> Position | None:
    """The position a cursor names; None for no cursor (the first page)."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode())
        version, at, key = json.loads(raw)
        position = Position(datetime.fromisoformat(at), key)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidCursor("the cursor is not one this service gave out") from exc
    if version != _VERSION or not isinstance(key, str) or position.at.tzinfo is None:
        raise InvalidCursor("the cursor is not one this service gave out")
    return position


def decode_serial_position(token: str | None) -> Position | None:
    """A cursor's position in a list whose rows have serial ids: the id must be one."""
    position = decode_cursor(token)
    if position is not None and (not position.id.isdigit() or int(position.id) < 1):
        raise InvalidCursor("the cursor is not one this service gave out")
    return position


def decode_serial_cursor(token: str | None) -> int | None:
    """The row id a cursor names, for a list ordered by a serial id (newest first).

    Such a list gives out ``Position(row time, str(id))`` like any other; the id alone
    says where the next page starts, since ids grow with time.
    """
    position = decode_serial_position(token)
    return int(position.id) if position is not None else None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, as a store or handler hands it to a route."""

    items: list[T]
    next_cursor: str | None
    total: int | None = None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page, each item converted (a store's rows into typed objects)."""
        return Page([convert(item) for item in self.items], self.next_cursor, self.total)


def page_of(
    rows: Sequence[T], limit: int, position: Callable[[T], Position], total: int | None = None
) -> Page[T]:
    """The page of a query that fetched ``limit + 1`` rows: the extra row only says more follow."""
    items = list(rows[:limit])
    more = len(rows) > limit and items
    return Page(items, encode_cursor(position(items[-1])) if more else None, total)


def whole_list(count: int) -> dict[str, Any]:
    """The paging fields of a list answered whole: a handful of records, one page."""
    return {"next_cursor": None, "has_more": False, "total": count}


class PageOut(BaseModel):
    """The paging fields of every list answer; each list's model adds its ``items``."""

    next_cursor: str | None = Field(
        description="Pass as cursor= for the next page; null on the last page"
    )
    has_more: bool = Field(description="Whether another page follows")
    total: int | None = Field(
        default=None, description="How many records match, where the service counts them"
    )
