from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.rental.domain.errors import InvalidQuery
from services.rental.domain.query import OrderQuery, UserQuery
from services.rental.domain.statistics import DayRange, fill
from services.rental.store.users import search_sql
from shared.paging import Position

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_queries_refuse_naive_times_and_empty_ranges() -> None:
    with pytest.raises(InvalidQuery):
        UserQuery(registered_from=AT.replace(tzinfo=None))
    with pytest.raises(InvalidQuery):
        OrderQuery(started_from=AT, started_before=AT)


def test_user_search_sql_uses_every_filter_and_the_page_order() -> None:
    sql, args = search_sql(
        UserQuery(phone="13800138000", name="张三", limit=10), Position(AT, "u9")
    )
    assert "phone = $1" in sql and "name = $2" in sql and "deleted_at IS NULL" in sql
    assert "(registered_at, user_id) < ($3, $4)" in sql
    assert sql.endswith("ORDER BY registered_at DESC, user_id DESC LIMIT $5")
    assert args == ["13800138000", "张三", AT, "u9", 11]


def test_day_range_bounds_are_local_midnights() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    days = DayRange(date(2026, 11, 1), date(2026, 11, 2))
    start, end = days.bounds(tz)
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
    rows = fill(days.days(), {date(2026, 11, 2): 3}, {}, {date(2026, 11, 1): 1})
    assert [(r.rentals, r.new_users) for r in rows] == [(0, 1), (3, 0)]
    with pytest.raises(InvalidQuery):
        DayRange(date(2026, 1, 1), date(2027, 1, 2))
