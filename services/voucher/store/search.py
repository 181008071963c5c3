"""The voucher list query: every filter combinable, newest exchange first, keyset paged.

Each filter narrows one indexed column and the order is (exchanged_at desc,
code desc), which every voucher index ends with, so a page is an index range
scan however deep it is.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.voucher.domain.model import VoucherStatus
from services.voucher.domain.query import VoucherQuery

_COLUMNS = (
    "SELECT v.code, v.merchant_order_no, v.exchanged_at, o.order_status, v.source,"
    " o.deduction_status, v.status, v.face_value, v.valid_from, v.valid_to, v.phone,"
    " v.user_id, v.redeemed_at, v.store_id, v.voided_at"
    " FROM vouchers v JOIN orders o ON o.merchant_order_no = v.merchant_order_no"
)


def search_sql(query: VoucherQuery, today: date) -> tuple[str, list[Any]]:
    """The SQL and arguments of one page (one row more than the limit, to see if more follow)."""
    where: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    for column in ("phone", "user_id", "code", "merchant_order_no"):
        value = getattr(query, column)
        if value is not None:
            where.append(f"v.{column} = {arg(value)}")
    if query.source is not None:
        where.append(f"v.source = {arg(query.source.value)}")
    if query.status is VoucherStatus.AVAILABLE:
        where.append(f"v.status = 'available' AND v.valid_to >= {arg(today)}")
    elif query.status is VoucherStatus.EXPIRED:
        where.append(f"v.status = 'available' AND v.valid_to < {arg(today)}")
    elif query.status is not None:
        where.append(f"v.status = {arg(query.status.value)}")
    if query.exchanged_from is not None:
        where.append(f"v.exchanged_at >= {arg(query.exchanged_from)}")
    if query.exchanged_before is not None:
        where.append(f"v.exchanged_at < {arg(query.exchanged_before)}")
    if query.after is not None:
        at, code = arg(query.after.exchanged_at), arg(query.after.code)
        where.append(f"(v.exchanged_at, v.code) < ({at}, {code})")
    sql = _COLUMNS
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY v.exchanged_at DESC, v.code DESC LIMIT {arg(query.limit + 1)}"
    return sql, args


async def search(conn: asyncpg.Connection, query: VoucherQuery, today: date) -> list[Any]:
    sql, args = search_sql(query, today)
    return list(await conn.fetch(sql, *args))


async def voucher_row(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(_COLUMNS + " WHERE v.code = $1", code)
