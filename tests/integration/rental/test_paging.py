"""Every rental list answers one page shape (items, next_cursor, has_more, total) and refuses
an unknown filter (422 unknown_filter, naming it) and a cursor it did not give out (422
invalid_cursor), directly and through a real gateway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.paging import Position, encode_cursor
from tests.integration.rental.conftest import AGENT, Rental
from tests.integration.rental.test_account_support import (
    accounts,
    post,
    registered,
    rental_gateway,
    signed_in,
)

pytestmark = pytest.mark.integration
__all__ = ["accounts", "rental_gateway"]
PAGE_FIELDS = {"items", "next_cursor", "has_more", "total"}
TODAY = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


def lists(user: str) -> list[tuple[str, dict[str, str]]]:
    """Every list of the rental service and the parameters it cannot do without."""
    return [
        ("/users", {}),
        ("/accounts", {}),
        ("/blacklist", {}),
        (f"/users/{user}/rentals", {}),
        ("/orders", {}),
        ("/feedback", {}),
        ("/insurance-applications", {}),
        ("/guide/versions", {}),
        (f"/accounts/{user}/movements", {}),
        (f"/accounts/{user}/card-changes", {}),
        (f"/accounts/{user}/refunds", {}),
        ("/topups", {}),
        ("/fund-flows", TODAY),
    ]


NUMERIC_KEYED = ("/guide/versions", "/movements", "/card-changes", "/fund-flows")
"""Lists keyed by a number: a well-formed cursor with another id is not theirs either."""


async def test_every_list_has_one_page_shape_and_refuses_bad_filters_and_cursors(
    accounts: Rental,
) -> None:
    user = await registered(accounts)
    forged = encode_cursor(Position(datetime.now(UTC), "not-a-number"))
    for path, needed in lists(user):
        page = await accounts.http.get(path, params=needed, headers=AGENT)
        assert page.status_code == 200, (path, page.text)
        assert set(page.json()) >= PAGE_FIELDS, path
        unknown = await accounts.http.get(path, params={**needed, "phone_no": "1"}, headers=AGENT)
        assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_filter"), path
        assert "phone_no" in unknown.json()["message"]
        garbage = await accounts.http.get(
            path, params={**needed, "cursor": "garbage"}, headers=AGENT
        )
        assert (garbage.status_code, garbage.json()["code"]) == (422, "invalid_cursor"), path
        if path.endswith(NUMERIC_KEYED):
            other = await accounts.http.get(
                path, params={**needed, "cursor": forged}, headers=AGENT
            )
            assert (other.status_code, other.json()["code"]) == (422, "invalid_cursor"), path


async def test_through_the_gateway_too(accounts: Rental, rental_gateway: httpx.AsyncClient) -> None:
    user = await registered(accounts)
    lead = await signed_in(rental_gateway, "lead")
    for path, needed in lists(user):
        url = f"/api/v1/rental{path}"
        page = await rental_gateway.get(url, params=needed, headers=lead)
        assert page.status_code == 200, (path, page.text)
        assert set(page.json()) >= PAGE_FIELDS, path
        unknown = await rental_gateway.get(url, params={**needed, "phone_no": "1"}, headers=lead)
        assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_filter"), path
        garbage = await rental_gateway.get(
            url, params={**needed, "cursor": "garbage"}, headers=lead
        )
        assert (garbage.status_code, garbage.json()["code"]) == (422, "invalid_cursor"), path


async def test_card_changes_and_refunds_page_like_every_list(accounts: Rental) -> None:
    user = await registered(accounts)
    for state in ("frozen", "active", "frozen"):
        changed = await post(
            accounts, f"/accounts/{user}/card-state", {"state": state, "reason": "customer call"}
        )
        assert changed.status_code == 200, changed.text
    first = await accounts.get(f"/accounts/{user}/card-changes", limit=2)
    assert [c["new_state"] for c in first["items"]] == ["frozen", "active"]
    assert first["has_more"] is True
    rest = await accounts.get(
        f"/accounts/{user}/card-changes", limit=2, cursor=first["next_cursor"]
    )
    assert [c["new_state"] for c in rest["items"]] == ["frozen"]
    assert (rest["has_more"], rest["next_cursor"]) == (False, None)
    refunds = await accounts.get(f"/accounts/{user}/refunds")
    assert refunds == {"items": [], "next_cursor": None, "has_more": False, "total": None}


async def test_fund_flows_count_the_whole_filter_on_the_first_page(accounts: Rental) -> None:
    day = accounts.clock.now.astimezone(accounts.settings.tz).date()
    span = {"date_from": str(day - timedelta(days=1)), "date_to": str(day + timedelta(days=1))}
    first = await accounts.get("/fund-flows", limit=1, **span)
    assert first["total"] == sum(t["count"] for t in first["totals"])
