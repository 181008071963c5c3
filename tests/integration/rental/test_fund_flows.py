"""Fund flows: filters, totals equal to the ledger, keyset pages, and the CSV export
streamed by the service and through the gateway (never buffered whole there)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from shared.contracts import RENTAL_PAYMENT_RECEIVED
from tests.integration.rental.conftest import AGENT, Rental
from tests.integration.rental.test_account_support import (
    accounts,
    payment,
    registered,
    rental_gateway,
    signed_in,
)

pytestmark = pytest.mark.integration
__all__ = ["accounts", "rental_gateway"]


def days(rental: Rental) -> dict[str, str]:
    today = rental.clock.now.astimezone(rental.settings.tz).date()
    return {"date_from": str(today - timedelta(days=1)), "date_to": str(today + timedelta(days=1))}


# The ledger rows those days hold: the database is shared with the other tests of the
# session (the e2e stack's and kefu demo's movements among them), so the expected
# figures are read for the same days, not assumed to be this module's alone.
IN_DAYS = (
    " kind <> ALL('{refund_held,refund_restored,deposit_adjusted}')"
    " AND at >= ($1::date)::timestamp AT TIME ZONE $3"
    " AND at < ($2::date + 1)::timestamp AT TIME ZONE $3"
)


def day_args(rental: Rental) -> tuple[date, date, str]:
    window = days(rental)
    return (
        date.fromisoformat(window["date_from"]),
        date.fromisoformat(window["date_to"]),
        str(rental.settings.tz),
    )


async def paid_all(rental: Rental, events: list[dict[str, Any]]) -> None:
    for event in events:
        await rental.publish(
            RENTAL_PAYMENT_RECEIVED.name, event, key=event["user_id"], ce_id=event["event_id"]
        )
    for event in events:
        await rental.wait_row(
            "SELECT 1 FROM account_ledger WHERE reference = $1", event["payment_id"]
        )


@pytest.fixture(scope="module")
async def users(accounts: Rental) -> list[str]:
    users = [await registered(accounts) for _ in range(3)]
    events = [
        payment(user, kind, amount)
        for user in users
        for kind, amount in (
            ("top_up", 10_000),
            ("deposit", 29_900),
            ("rental_charge", 300),
            ("insurance_fee", 100),
            ("rental_charge", 450),
        )
    ]
    await paid_all(accounts, events)
    return users


async def test_totals_match_the_ledger_and_pages_walk_it_all(
    accounts: Rental, users: list[str]
) -> None:
    whole = await accounts.get("/fund-flows", **days(accounts))
    expected = await accounts.pool.fetch(
        "SELECT kind, count(*) AS n, sum(amount_cents)::bigint AS cents FROM account_ledger"
        f" WHERE{IN_DAYS} GROUP BY kind",
        *day_args(accounts),
    )
    assert {(t["kind"], t["count"], t["amount_cents"]) for t in whole["totals"]} == {
        (r["kind"], r["n"], r["cents"]) for r in expected
    }
    assert whole["net_cents"] == sum(t["amount_cents"] for t in whole["totals"])  # all "in"

    mine = await accounts.get(
        "/fund-flows", user_id=users[0], kind="rental_charge", **days(accounts)
    )
    assert [(i["kind"], i["amount_cents"]) for i in mine["items"]] == [
        ("rental_charge", 300),
        ("rental_charge", 450),
    ]
    assert mine["totals"] == [
        {
            "kind": "rental_charge",
            "direction": "in",
            "count": 2,
            "amount_cents": 750,
            "amount_yuan": "7.50",
        }
    ]

    walked: list[int] = []
    cursor = None
    while True:
        page = await accounts.get(
            "/fund-flows", limit=4, **days(accounts), **({"cursor": cursor} if cursor else {})
        )
        assert (page["totals"] is None) == (cursor is not None)  # totals on the first page
        walked += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [i["id"] for i in whole["items"]]

    yesterday = days(accounts)["date_from"]
    before = await accounts.get("/fund-flows", date_from=yesterday, date_to=yesterday, limit=200)
    day = date.fromisoformat(yesterday)
    held = await accounts.pool.fetchval(
        f"SELECT count(*) FROM account_ledger WHERE{IN_DAYS}", day, day, str(accounts.settings.tz)
    )
    assert len(before["items"]) == held  # the day's own movements (other tests' too)
    assert not {i["user_id"] for i in before["items"]} & set(users)  # none of today's
    bad = await accounts.http.get(
        "/fund-flows", params={**days(accounts), "kind": "refund_held"}, headers=AGENT
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_kind"


async def test_the_csv_export_streams_through_the_gateway(
    accounts: Rental, users: list[str], rental_gateway: httpx.AsyncClient
) -> None:
    direct = await accounts.http.get("/fund-flows/export.csv", params=days(accounts), headers=AGENT)
    assert direct.status_code == 200 and direct.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(direct.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["movement_id", "at", "user_id", "kind"]
    ledger_rows = await accounts.pool.fetchval(
        f"SELECT count(*) FROM account_ledger WHERE{IN_DAYS}", *day_args(accounts)
    )
    assert len(rows) - 1 == ledger_rows
    assert sum(int(r[5]) for r in rows[1:]) == sum(
        t["amount_cents"] for t in (await accounts.get("/fund-flows", **days(accounts)))["totals"]
    )

    headers = await signed_in(rental_gateway, "cashier")
    through = await rental_gateway.get(
        "/api/v1/rental/fund-flows/export.csv", params=days(accounts), headers=headers
    )
    assert through.status_code == 200, through.text
    assert through.content == direct.content
    assert "content-length" not in through.headers  # streamed, not buffered and re-sent
    assert "attachment" in through.headers["content-disposition"]

    refused = await rental_gateway.get(
        "/api/v1/rental/fund-flows/export.csv",
        params=days(accounts),
        headers=await signed_in(rental_gateway, "admin"),
    )
    assert refused.status_code == 403  # admins: nothing financial
    invalid = await rental_gateway.get(
        "/api/v1/rental/fund-flows/export.csv",
        params={"date_from": str(date(2026, 2, 1)), "date_to": str(date(2026, 1, 1))},
        headers=headers,
    )
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_date_range"
    # a NUL in a filter once started a 200 and broke the stream half-way (the database
    # refused it mid-export): now it is 422 before a byte of CSV
    nul = await rental_gateway.get(
        "/api/v1/rental/fund-flows/export.csv",
        params={**days(accounts), "user_id": "U1\x00"},
        headers=headers,
    )
    assert (nul.status_code, nul.json()["code"]) == (422, "nul_character")
