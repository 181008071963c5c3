"""The gateway's rows for rental accounts follow DOMAIN.md's roles."""

from __future__ import annotations

import pytest

from services.gateway.domain.rental_account_routes import ROUTES
from services.gateway.domain.routes import may_call, rule_for, upstream_path

P = "/api/v1/rental"


def who_may(method: str, path: str) -> set[str]:
    rule = rule_for(method, P + path)
    assert rule is not None, (method, path)
    roles = ("agent", "duty_lead", "ops_supervisor", "cashier", "accountant", "admin", "tech")
    return {role for role in roles if may_call(rule, frozenset({role}))}


def test_only_an_ops_supervisor_changes_a_deposit() -> None:
    assert who_may("POST", "/accounts/{user_id}/deposit") == {"ops_supervisor"}


@pytest.mark.parametrize(
    "path", ["/topups", "/topups/codes", "/topups/identity-checks", "/accounts/{user_id}/refunds"]
)
def test_agents_and_duty_leads_top_up_and_ask_for_refunds(path: str) -> None:
    assert who_may("POST", path) == {"agent", "duty_lead"}


def test_fund_flows_are_read_by_the_front_line_supervisors_and_finance() -> None:
    for path in ("/fund-flows", "/fund-flows/export.csv"):
        assert who_may("GET", path) == {
            "agent",
            "duty_lead",
            "ops_supervisor",
            "cashier",
            "accountant",
        }


def test_admins_have_nothing_financial_and_money_moves_with_a_key() -> None:
    assert all(not may_call(r, frozenset({"admin"})) for r in ROUTES)
    assert {(r.method, r.path.removeprefix(P)) for r in ROUTES if r.moves_money} == {
        ("POST", "/topups"),
        ("POST", "/accounts/{user_id}/refunds"),
        ("POST", "/accounts/{user_id}/deposit"),
    }
    assert all(r.service == "rental" for r in ROUTES)
    assert upstream_path(P + "/topups/TU1", P) == "/topups/TU1"


@pytest.mark.parametrize("path", ["/accounts", "/topups/{serial_no}/receipt.html"])
def test_the_account_list_and_printed_receipts_are_read_by_the_front_line(path: str) -> None:
    assert who_may("GET", path) == {"agent", "duty_lead", "ops_supervisor"}
