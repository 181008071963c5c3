"""The one place the query benchmark touches the voucher service's code.

The benchmark must time the product's query, not SQL of its own: raw search
form parameters in, a page of items and the next cursor out, through the same
functions the HTTP API calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from services.voucher.api.views import list_vouchers
from services.voucher.domain.query import parse_query
from services.voucher.store.search import search_sql

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


AGENT = frozenset({"agent"})
"""An agent's roles: the page carries the action flags an agent sees."""

ProductQuery = Callable[[asyncpg.Pool, dict[str, str], str | None], Awaitable[Page]]


def product_query() -> ProductQuery:
    """What ``GET /vouchers`` runs: ``parse_query`` then ``api.views.list_vouchers``."""

    async def query(pool: asyncpg.Pool, params: dict[str, str], cursor: str | None) -> Page:
        q = parse_query({**params, "cursor": cursor}, TZ)
        page = await list_vouchers(pool, q, AGENT, datetime.now(TZ).date(), TZ)
        return Page(page.items, page.next_cursor)

    return query


async def explain(pool: asyncpg.Pool, params: dict[str, str]) -> str:
    """EXPLAIN ANALYZE of the SQL the service runs for ``params``: why a query is slow."""
    async with pool.acquire() as conn:
        return await explain_sql(conn, params)


async def explain_sql(conn: asyncpg.Connection, params: dict[str, str]) -> str:
    """The same on a connection of the caller's: the statement run once, its plan and times."""
    q = parse_query(params, TZ)
    sql, args = search_sql(q, datetime.now(TZ).date())
    rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, *args)
    return "\n".join(r[0] for r in rows)
