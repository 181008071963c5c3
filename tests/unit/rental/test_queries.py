from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.rental.domain.errors import InvalidQuery
from services.rental.domain.query import (
    RETURN_WINDOW_DAYS,
    OrderQuery,
    PhoneMatch,
    UserQuery,
    name_part,
    phone_match,
)
from services.rental.domain.statistics import DayRange, fill
from services.rental.store.trips import search_sql as order_search_sql
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
        UserQuery(phone=phone_match("13800138000"), name="张", limit=10), Position(AT, "u9")
    )
    assert "phone = $1" in sql and "deleted_at IS NULL" in sql
    assert "name ~>=~ $2 AND name ~<~ $3" in sql  # one range of users_by_name_prefix
    assert "(registered_at, user_id) < ($4, $5)" in sql
    assert sql.endswith("ORDER BY registered_at DESC, user_id DESC LIMIT $6")
    assert args == ["13800138000", "张", "张\U0010ffff", AT, "u9", 11]
    assert "MATERIALIZED" not in sql  # a lone surname: many share it, the page walk is short
    narrow, _ = search_sql(UserQuery(name="张伟"))
    assert narrow.startswith("WITH found AS MATERIALIZED (SELECT * FROM users WHERE name ~>=~")


def test_a_phone_is_searched_whole_or_by_its_last_four_digits() -> None:
    sql, args = search_sql(UserQuery(phone=phone_match(" 8000 ")))
    assert "right(phone, 4) = $1" in sql and args[0] == "8000"
    assert phone_match("138-0013-8000") == PhoneMatch("13800138000")
    assert phone_match(None) is None
    for bad in ("800", "abcd", "13800x38000", ""):
        with pytest.raises(InvalidQuery):
            phone_match(bad)
    with pytest.raises(InvalidQuery):
        name_part("  ")
    assert name_part(" 张 ") == "张"


def test_orders_by_end_time_are_bounded_by_their_start() -> None:
    sql, args = order_search_sql(
        OrderQuery(phone=phone_match("8000"), ended_from=AT, ended_before=AT + timedelta(days=1))
    )
    assert "SELECT user_id FROM users WHERE right(phone, 4) = $1" in sql
    assert "t.ended_at >= $2" in sql and "t.started_at >= $3" in sql and "t.ended_at < $4" in sql
    assert args[2] == AT - timedelta(days=RETURN_WINDOW_DAYS)
    with pytest.raises(InvalidQuery):
        OrderQuery(ended_from=AT, ended_before=AT)


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
