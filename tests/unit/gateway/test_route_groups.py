"""What /auth/me tells the console a user may open, read off the route table."""

from __future__ import annotations

from services.gateway.domain.route_groups import group_of, rights_of
from services.gateway.domain.routes import ROUTES, rule_for


def test_groups_are_named_after_the_path_under_the_prefix() -> None:
    assert group_of(rule_for("GET", "/api/v1/vouchers")) == "vouchers"  # type: ignore[arg-type]
    latest = rule_for("GET", "/api/v1/notify/sms/latest-code")
    assert latest is not None and group_of(latest) == "notify.sms"


def test_an_agent_may_search_void_and_reverse_but_not_look_up_codes() -> None:
    groups, routes = rights_of(frozenset({"agent"}))
    assert {"vouchers", "orders", "operations", "notify.sms"} <= set(groups)
    assert "POST /api/v1/vouchers/{code}/void" in routes
    assert "POST /api/v1/orders/{merchant_order_no}/reversal" in routes
    assert "GET /api/v1/notify/sms/latest-code" not in routes
    assert "POST /api/v1/notify/announcements" not in routes


def test_the_duty_lead_looks_up_codes_and_the_admin_touches_no_voucher() -> None:
    _, lead = rights_of(frozenset({"duty_lead"}))
    assert "GET /api/v1/notify/sms/latest-code" in lead
    groups, admin = rights_of(frozenset({"admin"}))
    assert not {"vouchers", "orders", "operations"} & set(groups)
    assert not [r for r in admin if "voucher" in r or "reversal" in r]
    assert "GET /api/v1/admin/users" in admin


def test_every_route_the_table_lets_a_role_call_is_listed_for_it() -> None:
    for rule in ROUTES:
        for role in rule.roles:
            assert f"{rule.method} {rule.path}" in rights_of(frozenset({role}))[1]
