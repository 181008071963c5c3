"""The voucher list query: every filter combinable, newest exchange first, keyset paged.

Each filter narrows one indexed column and the order is (exchanged_at desc,
code desc), which every voucher index ends with, so a page is an index range
scan however deep it is. The page is cut before orders are joined, so a join
never runs for more rows than the page holds.

Statuses are what the agent sees (domain.model.voucher_status): an available
voucher past its validity is expired whether or not the expiry sweep has
stored that yet. Some conditions below are written in a roundabout form for
the planner; each says why.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from services.voucher.domain.model import VoucherStatus
from services.voucher.domain.query import ListedVoucher, VoucherQuery
from services.voucher.domain.rules import OrderFacts
from services.voucher.store.vouchers import ORDER_FACTS, ORDER_FACTS_JOIN, facts_of_row
from shared.db import Db

Listed = tuple[ListedVoucher, OrderFacts]
"""A voucher as listed, with what the rules need of its order."""

_VOUCHER = (
    "v.code, v.merchant_order_no, v.exchanged_at, v.source, v.status, v.face_value,"
    " v.valid_from, v.valid_to, v.phone, v.user_id, v.redeemed_at, v.store_id, v.voided_at"
)
_COLUMNS = f"SELECT {_VOUCHER}, {ORDER_FACTS}"
_JOIN = f" JOIN orders o ON o.merchant_order_no = v.merchant_order_no{ORDER_FACTS_JOIN}"
"""Each voucher with its order's facts (what the action flags need), in the same statement:
one round trip a page, and the page and its facts read in one snapshot."""
_PAGE_ORDER = " ORDER BY v.exchanged_at DESC, v.code DESC"
_KEYS = ("phone", "user_id", "code", "merchant_order_no")
"""Equality filters that single out a handful of rows, each by its own index."""


class _Args:
    """Positional arguments, numbered as they are added."""

    def __init__(self) -> None:
        self.values: list[object] = []

    def __call__(self, value: object) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def search_sql(query: VoucherQuery, today: date) -> tuple[str, list[object]]:
    """The SQL and arguments of one page (one row more than the limit, to see if more follow)."""
    arg = _Args()
    keys = [f"v.{k} = {arg(getattr(query, k))}" for k in _KEYS if getattr(query, k) is not None]
    ranges: list[str] = []
    if query.source is not None:
        ranges.append(f"v.source = {arg(query.source.value)}")
    if query.exchanged_from is not None:
        ranges.append(f"v.exchanged_at >= {arg(query.exchanged_from)}")
    if query.exchanged_before is not None:
        ranges.append(f"v.exchanged_at < {arg(query.exchanged_before)}")
    if query.after is not None:
        at, code = arg(query.after.at), arg(query.after.id)
        ranges.append(f"(v.exchanged_at, v.code) < ({at}, {code})")
    limit = arg(query.limit + 1)
    if query.status is VoucherStatus.EXPIRED:
        page = _expired_page(keys, ranges, arg(today), limit)
    else:
        where = keys + ranges
        if query.status is VoucherStatus.AVAILABLE:
            where.append(_available(arg(today)))
        elif query.status is not None:
            where.append(f"v.status = {arg(query.status.value)}")
        page = f"SELECT {_VOUCHER} FROM vouchers v{_where(where)}{_PAGE_ORDER} LIMIT {limit}"
    return f"{_COLUMNS} FROM ({page}) v{_JOIN}{_PAGE_ORDER}", arg.values


def _available(today: str) -> str:
    """Available and not past its validity.

    Not ``valid_to >= today``: the planner would multiply that condition's share
    of all rows (small, since most vouchers are old) by the share of available
    ones, expect a handful of rows, and sort them all instead of walking an
    index; but after a sweep nearly every available voucher is still valid.
    Negating "available and past its validity" makes its estimate right both
    before the first sweep and after one.
    """
    return f"v.status = 'available' AND NOT (v.status = 'available' AND v.valid_to < {today})"


def _expired_page(keys: list[str], ranges: list[str], today: str, limit: str) -> str:
    """One page of each of the two sets of expired vouchers, merged into one page.

    Stored: what the expiry sweep marked, read from the status index in page
    order. Unswept: available vouchers past their validity that the sweep has
    not reached yet (all of them before its first run, none or nearly none
    after one).
    """
    # "= ANY" and status in the sort order, not "= 'expired'": with an equality
    # the planner drops status from the order and may walk the newest-first
    # index instead, skipping every recent voucher, because nothing tells it
    # that expired vouchers are all old ones. This way only the status index
    # gives the order.
    stored = (
        f"SELECT {_VOUCHER} FROM vouchers v"
        + _where([*keys, *ranges, "v.status = ANY ('{expired}'::text[])"])
        + " ORDER BY v.status, v.exchanged_at DESC, v.code DESC"
        + f" LIMIT {limit}"
    )
    # A fenced subquery (OFFSET 0), read in valid_to order, then sorted: the
    # planner reads it from the partial index of available vouchers by valid_to
    # (or a key filter's own index), in which these rows come first. Unfenced,
    # it may walk available vouchers newest first looking for stale ones; and
    # unordered, it may scan the whole table: statistics from before a sweep
    # make it expect many, and after a sweep there are none or nearly none.
    unswept = (
        f"SELECT {_VOUCHER} FROM (SELECT * FROM vouchers v"
        + _where([*keys, f"v.status = 'available' AND v.valid_to < {today}"])
        + " ORDER BY v.valid_to OFFSET 0) v"
        + _where(ranges)
        + _PAGE_ORDER
        + f" LIMIT {limit}"
    )
    return f"({stored}) UNION ALL ({unswept}) ORDER BY exchanged_at DESC, code DESC LIMIT {limit}"


def _where(conditions: list[str]) -> str:
    return " WHERE " + " AND ".join(conditions) if conditions else ""


def _listed(row: asyncpg.Record) -> ListedVoucher:
    return ListedVoucher(
        code=row["code"],
        merchant_order_no=row["merchant_order_no"],
        exchanged_at=row["exchanged_at"],
        order_status=row["order_status"],
        source=row["source"],
        deduction_status=row["deduction_status"],
        stored_status=row["status"],
        face_value=row["face_value"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        phone=row["phone"],
        user_id=row["user_id"],
        redeemed_at=row["redeemed_at"],
        store_id=row["store_id"],
    )


async def search(db: Db, query: VoucherQuery, today: date) -> list[Listed]:
    sql, args = search_sql(query, today)
    return [(_listed(r), facts_of_row(r, today)) for r in await db.fetch(sql, *args)]


async def listed_voucher(db: Db, code: str, today: date) -> Listed | None:
    row = await db.fetchrow(f"{_COLUMNS} FROM vouchers v{_JOIN} WHERE v.code = $1", code)
    return (_listed(row), facts_of_row(row, today)) if row is not None else None
