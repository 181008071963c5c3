"""The list query's SQL numbers its arguments right whichever filters combine.

What it returns is proven on PostgreSQL (tests/integration/voucher); this only
guards the numbering, which the expired query's two branches share.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.voucher.domain.query import parse_query
from services.voucher.store.search import search_sql
from shared.paging import Position, encode_cursor

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2019, 1, 29)
EVERYTHING = {
    "phone": "13800138000",
    "user_id": "U1",
    "code": "C1",
    "merchant_order_no": "M1",
    "source": "bubble",
    "order_date_from": "2019-01-01",
    "order_date_to": "2019-01-31",
    "limit": "5",
    "cursor": encode_cursor(Position(datetime(2019, 1, 2, tzinfo=UTC), "C9")),
}


@pytest.mark.parametrize("status", [None, "available", "used", "voided", "expired"])
@pytest.mark.parametrize("filters", [{}, EVERYTHING], ids=["alone", "every filter"])
def test_every_argument_is_used_and_every_placeholder_has_one(status, filters) -> None:
    params = {**filters, **({"status": status} if status else {})}
    sql, args = search_sql(parse_query(params, SHANGHAI), TODAY)
    used = {int(n) for n in re.findall(r"\$(\d+)", sql)}
    assert used == set(range(1, len(args) + 1))
    assert (TODAY in args) is (status in ("available", "expired"))
    assert int(filters.get("limit", "20")) + 1 in args  # one more row says more follow
