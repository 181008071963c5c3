"""The after-sales lists: the ticket search seed 002's staff need (order number,
customer, seller, outcome, opening days), one page shape, and refusals of unknown
filters and garbage cursors (issue 12, points 5, 6, 11 and 13)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.infra import Infra
from tests.integration.refund import aftersales_fixtures as fixtures
from tests.integration.refund.aftersales_fixtures import AGENT, OPS, REVIEWER, Refund
from tests.integration.refund.test_aftersales_tickets import active_seller, open_ticket

pytestmark = pytest.mark.integration
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
async def refund(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refund]:
    async with fixtures.module_refund(infra, tmp_path_factory, "aftersales-lists") as running:
        yield running


async def ids(refund: Refund, **params: Any) -> list[int]:
    page = await refund.ok("GET", "/aftersales/tickets", AGENT, params=params)
    return [t["id"] for t in page["items"]]


async def test_tickets_by_order_customer_seller_outcome_and_opening_day(refund: Refund) -> None:
    seller, other_seller = await active_seller(refund), await active_seller(refund)
    customer = f"U{uuid.uuid4().hex[:8]}"
    first = await open_ticket(refund, seller, customer_id=customer)
    refund.clock.advance(timedelta(days=1))
    second = await open_ticket(refund, seller, customer_id=customer)
    third = await open_ticket(refund, other_seller, customer_id=customer)
    await refund.ok(
        "POST",
        f"/aftersales/tickets/{second['id']}/review",
        REVIEWER,
        json={"outcome": "reject", "reason": "超过售后期"},
    )
    a, b, c = first["id"], second["id"], third["id"]

    assert await ids(refund, customer_id=customer) == [c, b, a]
    assert await ids(refund, order_no=second["order_no"]) == [b]
    assert await ids(refund, customer_id=customer, seller_id=seller) == [b, a]
    assert await ids(refund, customer_id=customer, outcome="reject") == [b]
    assert await ids(refund, customer_id=customer, status="awaiting_review") == [c, a]
    # opening days are Shanghai's: the first ticket's, then the next day's
    day = datetime.fromisoformat(first["created_at"]).astimezone(SHANGHAI).date()
    assert await ids(refund, customer_id=customer, created_to=str(day)) == [a]
    assert await ids(refund, customer_id=customer, created_from=str(day + timedelta(days=1))) == [
        c,
        b,
    ]
    assert await ids(refund, customer_id=customer, created_from=str(day), created_to=str(day)) == [
        a
    ]
    bad = await refund.refused(
        "GET",
        "/aftersales/tickets",
        AGENT,
        422,
        "invalid_date_range",
        params={"created_from": str(day), "created_to": str(day - timedelta(days=1))},
    )
    assert "created_to" in bad["message"]


async def test_the_ticket_list_pages_with_one_cursor(refund: Refund) -> None:
    seller = await active_seller(refund)
    customer = f"U{uuid.uuid4().hex[:8]}"
    opened = [(await open_ticket(refund, seller, customer_id=customer))["id"] for _ in range(5)]
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params = {"customer_id": customer, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await refund.ok("GET", "/aftersales/tickets", AGENT, params=params)
        assert page["has_more"] is (page["next_cursor"] is not None)
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == opened[::-1]


LISTS = [
    ("/aftersales/tickets", AGENT),
    ("/aftersales/tickets/overdue", AGENT),
    ("/aftersales/activations", OPS),
]


@pytest.mark.parametrize(("path", "who"), LISTS)
async def test_a_garbage_cursor_and_an_unknown_filter_are_refused(
    refund: Refund, path: str, who: dict[str, str]
) -> None:
    page = await refund.ok("GET", path, who, params={"limit": 1})
    assert {"items", "next_cursor", "has_more", "total"} <= page.keys()
    await refund.refused("GET", path, who, 422, "invalid_cursor", params={"cursor": "garbage"})
    body = await refund.refused("GET", path, who, 422, "unknown_filter", params={"phone": "1"})
    assert "phone" in body["message"]


async def test_the_overdue_and_activation_lists_page_too(refund: Refund) -> None:
    for _ in range(3):
        await active_seller(refund)
    first = await refund.ok("GET", "/aftersales/activations", OPS, params={"limit": 2})
    assert len(first["items"]) == 2 and first["has_more"]
    second = await refund.ok(
        "GET", "/aftersales/activations", OPS, params={"limit": 2, "cursor": first["next_cursor"]}
    )
    names = [a["seller_id"] for a in first["items"] + second["items"]]
    assert len(names) == len(set(names)) == 4

    seller = await active_seller(refund)
    late = [(await open_ticket(refund, seller))["id"] for _ in range(3)]
    refund.clock.advance(timedelta(hours=30))  # past the review reminder, before 48 h
    params = {"seller_id": seller, "stage": "review", "limit": 2}
    one = await refund.ok("GET", "/aftersales/tickets/overdue", AGENT, params=params)
    two = await refund.ok(
        "GET",
        "/aftersales/tickets/overdue",
        AGENT,
        params=params | {"cursor": one["next_cursor"]},
    )
    assert [t["id"] for t in one["items"] + two["items"]] == late
    assert two["has_more"] is False
