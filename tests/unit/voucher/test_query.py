"""Parsing the query's filters and the keyset cursor: bad values name themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.voucher.domain.model import Source, VoucherStatus
from services.voucher.domain.query import DEFAULT_LIMIT, parse_query
from shared.errors import InvalidInput
from shared.paging import Position, decode_cursor, encode_cursor

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_no_filters_is_the_newest_first_page() -> None:
    q = parse_query({}, SHANGHAI)
    assert (q.phone, q.source, q.status, q.after, q.limit) == (None, None, None, None, 20)
    assert DEFAULT_LIMIT == 20


def test_empty_strings_are_absent() -> None:
    q = parse_query({"phone": "", "status": " ", "limit": "", "cursor": ""}, SHANGHAI)
    assert q.phone is None and q.status is None and q.limit == 20 and q.after is None


def test_every_filter_parses() -> None:
    q = parse_query(
        {
            "phone": "13800138000",
            "user_id": "U1",
            "code": "C1",
            "merchant_order_no": "M1",
            "source": "bubble",
            "status": "expired",
            "order_date_from": "2018-12-30",
            "order_date_to": "2018-12-31",
            "limit": "100",
        },
        SHANGHAI,
    )
    assert (q.phone, q.user_id, q.code, q.merchant_order_no) == ("13800138000", "U1", "C1", "M1")
    assert q.source is Source.BUBBLE and q.status is VoucherStatus.EXPIRED and q.limit == 100


def test_order_dates_are_whole_days_in_the_business_time_zone() -> None:
    q = parse_query({"order_date_from": "2018-12-30", "order_date_to": "2018-12-30"}, SHANGHAI)
    assert q.exchanged_from == datetime(2018, 12, 29, 16, 0, tzinfo=UTC)
    assert q.exchanged_before == datetime(2018, 12, 30, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"source": "cash"}, "invalid_source"),
        ({"status": "lost"}, "invalid_status"),
        ({"order_date_from": "2018-13-01"}, "invalid_order_date_from"),
        ({"order_date_to": "yesterday"}, "invalid_order_date_to"),
        (
            {"order_date_from": "2019-01-02", "order_date_to": "2019-01-01"},
            "invalid_order_date_range",
        ),
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "101"}, "invalid_limit"),
        ({"limit": "ten"}, "invalid_limit"),
        ({"phone": "138-0013"}, "invalid_phone"),
        ({"user_id": "U" * 65}, "invalid_user_id"),
        ({"cursor": "not a cursor"}, "invalid_cursor"),
        ({"cursor": "WzEsIjIwMTgiXQ"}, "invalid_cursor"),
    ],
)
def test_bad_values_are_422_with_a_code(params, code) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_query(params, SHANGHAI)
    assert caught.value.code == code and caught.value.status == 422


def test_cursor_round_trip_is_opaque_and_exact() -> None:
    at = datetime(2018, 12, 30, 10, 13, 22, 123456, tzinfo=SHANGHAI)
    token = encode_cursor(Position(at, "22015118222201812301"))
    assert "2201511822" not in token and "=" not in token
    back = parse_query({"cursor": token}, SHANGHAI).after
    assert back == Position(at, "22015118222201812301")
    assert back is not None and back.at == at


def test_cursor_without_a_time_zone_is_refused() -> None:
    import base64

    naive = base64.urlsafe_b64encode(b'["p1","2018-12-30T10:13:22","C"]').decode()
    with pytest.raises(InvalidInput):
        decode_cursor(naive)
