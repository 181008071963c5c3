"""Building a filtered, keyset-paged query: arguments numbered as conditions are added.

Each filter a caller gave adds one condition; filters left out add nothing, so the
planner sees only what was asked (no ``$1 IS NULL OR ...`` chains).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg

from shared.paging import Page, Position, page_of


class Query:
    def __init__(self) -> None:
        self.args: list[Any] = []
        self.conditions: list[str] = []

    def arg(self, value: Any) -> str:
        """A placeholder for ``value`` (``$n``)."""
        self.args.append(value)
        return f"${len(self.args)}"

    def where(self, condition: str, *values: Any) -> None:
        """Add ``condition``, its ``{}`` blanks filled with placeholders for ``values``."""
        self.conditions.append(condition.format(*(self.arg(v) for v in values)))

    def when(self, value: Any, condition: str) -> None:
        """Add ``condition`` (one ``{}`` blank) only when ``value`` was given."""
        if value is not None and value != [] and value != "":
            self.where(condition, value)

    @property
    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.conditions) if self.conditions else ""


async def fetch_page(
    db: asyncpg.Connection | asyncpg.Pool,
    source: str,
    q: Query,
    *,
    order: tuple[str, str],
    newest_first: bool,
    after: Position | None,
    limit: int,
    select: str = "*",
    key: Callable[[str], Any] = str,
) -> Page[asyncpg.Record]:
    """One keyset page of ``SELECT select FROM source`` under ``q``'s conditions, ordered
    by ``order`` (a time, then a unique key), with how many rows match in all.

    ``key`` turns the cursor's id back into the key column's type (``int`` for an
    identity column)."""
    total = await db.fetchval(f"SELECT count(*) FROM {source}{q.sql}", *q.args)
    at, unique = order
    if after is not None:
        beyond = "<" if newest_first else ">"
        q.where(f"({at}, {unique}) {beyond} ({{}}, {{}})", after.at, key(after.id))
    way = " DESC" if newest_first else ""
    rows = await db.fetch(
        f"SELECT {select} FROM {source}{q.sql}"
        f" ORDER BY {at}{way}, {unique}{way} LIMIT {q.arg(limit + 1)}",
        *q.args,
    )
    at_name, key_name = (column.rsplit(".", 1)[-1] for column in order)
    return page_of(rows, limit, lambda r: Position(r[at_name], str(r[key_name])), total)
