"""Seed 004 after the top-up: the receipt as a page to print, and a stored-value refund."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.rental.conftest import AGENT, Rental
from tests.integration.rental.test_account_support import (
    accounts,
    registered,
    rental_gateway,
    signed_in,
    top_up,
)

pytestmark = pytest.mark.integration
__all__ = ["accounts", "rental_gateway"]


async def test_a_receipt_prints_as_a_page(
    accounts: Rental, rental_gateway: httpx.AsyncClient
) -> None:
    user = await registered(accounts)
    topped = await top_up(accounts, user, 5_000, payer="6222020000009876")
    assert topped.status_code == 201, topped.text
    serial = topped.json()["serial_no"]

    page = await accounts.http.get(f"/topups/{serial}/receipt.html", headers=AGENT)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for shown in (serial, "¥50.00", "************9876", user, "交易凭证", "银行卡"):
        assert shown in html, shown
    assert "6222020000009876" not in html  # the payer account stays masked on paper
    assert "@media print" in html and "@page" in html

    agent = await signed_in(rental_gateway, "agent")
    through = await rental_gateway.get(
        f"/api/v1/rental/topups/{serial}/receipt.html", headers=agent
    )
    assert through.status_code == 200, through.text
    assert through.headers["content-type"].startswith("text/html")
    assert through.text == html
    missing = await accounts.http.get("/topups/TU0/receipt.html", headers=AGENT)
    assert (missing.status_code, missing.json()["code"]) == (404, "receipt_not_found")
