"""The gateway's refund rows follow DOMAIN.md's roles; money-moving steps need a key."""

from __future__ import annotations

import pytest

from services.gateway.domain.refund_routes import ROUTES
from services.gateway.domain.routes import REFUNDS_PREFIX, Audience, may_call, rule_for

ALL_ROLES = (
    "agent",
    "duty_lead",
    "tech",
    "cashier",
    "accountant",
    "finance_director",
    "ops_supervisor",
    "aftersales_reviewer",
    "aftersales_processor",
    "admin_hr",
    "admin",
)


def who_may(method: str, path: str) -> set[str]:
    rule = rule_for(method, REFUNDS_PREFIX + path)
    assert rule is not None, (method, path)
    return {r for r in ALL_ROLES if may_call(rule, frozenset({r}))}


@pytest.mark.parametrize(
    ("path", "roles"),
    [
        ("lead-check", {"duty_lead"}),
        ("tech-verification", {"tech"}),
        ("finance-submission", {"duty_lead"}),
        ("cashier-check", {"cashier"}),
        ("accountant-review", {"accountant"}),
        ("director-approval", {"finance_director"}),
        ("second-approval", {"finance_director"}),
        ("resubmit", {"agent", "duty_lead"}),
        ("payout-retry", {"cashier", "finance_director"}),
        ("close", {"duty_lead", "cashier", "accountant", "finance_director"}),
    ],
)
def test_each_step_is_its_roles_alone(path: str, roles: set[str]) -> None:
    assert who_may("POST", f"/forms/{{form_id}}/{path}") == roles


def test_agents_file_everyone_on_the_chain_reads_and_admins_see_nothing() -> None:
    assert who_may("POST", "/forms") == {"agent", "duty_lead"}
    readers = {"agent", "duty_lead", "tech", "cashier", "accountant", "finance_director"}
    assert who_may("GET", "/forms/{form_id}") == readers
    assert who_may("GET", "/forms/queue") == readers
    assert all(not may_call(r, frozenset({"admin"})) for r in ROUTES)


def test_ops_supervisors_decide_requested_refunds_and_set_the_caps() -> None:
    for action in ("approve", "reject", "payout-retry", "give-up"):
        assert who_may("POST", f"/requested/{{refund_id}}/{action}") == {"ops_supervisor"}
    assert who_may("PUT", "/policy") == {"ops_supervisor"}


def test_money_moving_refund_routes_need_a_key() -> None:
    assert {r.path.removeprefix(REFUNDS_PREFIX) for r in ROUTES if r.moves_money} == {
        "/forms/{form_id}/director-approval",
        "/forms/{form_id}/second-approval",
        "/forms/{form_id}/payout-retry",
        "/requested/{refund_id}/approve",
        "/requested/{refund_id}/payout-retry",
        "/requested/{refund_id}/give-up",
    }
    assert all(r.service == "refund" and r.audience is Audience.ROLES for r in ROUTES)


def test_heads_approve_the_monthly_statistics_and_the_office_verifies_and_archives() -> None:
    one = "/reports/monthly-statistics/{month}/{department}"
    assert who_may("POST", f"{one}/approve") == {"duty_lead", "finance_director"}
    for action in ("return", "verify", "archive", "follow-ups"):
        assert who_may("POST", f"{one}/{action}") == {"admin_hr"}
    readers = {"duty_lead", "cashier", "accountant", "finance_director", "admin_hr"}
    assert who_may("GET", one) == who_may("GET", "/reports/monthly-statistics") == readers
    assert "admin_hr" in who_may("GET", "/reports/service-monthly.csv")
    assert "admin_hr" in who_may("GET", "/reports/finance-monthly")
