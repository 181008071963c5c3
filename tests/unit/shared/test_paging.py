from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Query
from fastapi.testclient import TestClient

from shared.http import make_app
from shared.paging import (
    InvalidCursor,
    Position,
    decode_cursor,
    decode_serial_cursor,
    encode_cursor,
    page_of,
)

AT = datetime(2026, 12, 6, 8, 30, tzinfo=UTC)


def test_a_cursor_names_the_position_it_was_made_from() -> None:
    position = Position(AT, "V-0042")
    assert decode_cursor(encode_cursor(position)) == position


def test_no_cursor_is_the_first_page() -> None:
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "!!!",
        encode_cursor(Position(AT, "x")) + "AAAA",
        # a well-formed cursor of another version, or a naive time
        "WyJwMCIsIjIwMjYtMTItMDZUMDg6MzA6MDArMDA6MDAiLCJ4Il0",
        "WyJwMSIsIjIwMjYtMTItMDZUMDg6MzA6MDAiLCJ4Il0",
    ],
)
def test_a_cursor_this_service_did_not_give_out_is_refused(token: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(token)


def test_a_page_has_a_cursor_only_when_the_extra_row_says_more_follow() -> None:
    rows = [Position(AT - timedelta(minutes=i), f"r{i}") for i in range(3)]

    full = page_of(rows, 2, lambda r: r)
    assert full.items == rows[:2]
    assert full.has_more
    assert decode_cursor(full.next_cursor) == rows[1]

    last = page_of(rows[:2], 2, lambda r: r)
    assert last.items == rows[:2]
    assert not last.has_more and last.next_cursor is None

    empty = page_of(list[Position](), 2, lambda r: r)
    assert empty.items == [] and not empty.has_more


async def _extra(region: Annotated[str | None, Query()] = None) -> str | None:
    return region


def _app() -> FastAPI:
    app = make_app("t", "t", None)

    @app.get("/things")
    async def things(
        phone: Annotated[str | None, Query()] = None,
        region: Annotated[str | None, Depends(_extra)] = None,
    ) -> dict[str, str | None]:
        return {"phone": phone, "region": region}

    return app


def test_a_filter_the_list_does_not_declare_is_refused_by_name() -> None:
    client = TestClient(_app())
    assert client.get("/things", params={"phone": "1", "region": "x"}).status_code == 200
    answer = client.get("/things", params={"order_no": "M1", "phone": "1"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "unknown_filter"
    assert "order_no" in body["message"]


def test_a_serial_list_resumes_below_the_id_its_cursor_names() -> None:
    assert decode_serial_cursor(encode_cursor(Position(AT, "42"))) == 42
    assert decode_serial_cursor(None) is None
    for bad in ("garbage", encode_cursor(Position(AT, "V-1")), encode_cursor(Position(AT, "0"))):
        with pytest.raises(InvalidCursor):
            decode_serial_cursor(bad)
