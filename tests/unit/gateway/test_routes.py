"""The route table: who may call what, and that it matches the routes the app declares."""

from __future__ import annotations

import pytest

from services.gateway.app import create_app
from services.gateway.domain.routes import (
    ROUTES,
    Audience,
    may_call,
    rule_for,
    upstream_path,
)
from shared.settings import Settings

AGENT, LEAD, ADMIN = frozenset({"agent"}), frozenset({"duty_lead"}), frozenset({"admin"})
FINANCIAL = [r for r in ROUTES if r.service in ("voucher", "points")]


@pytest.mark.parametrize("rule", FINANCIAL, ids=lambda r: f"{r.method} {r.path}")
def test_agents_and_duty_leads_may_use_every_voucher_and_points_route(rule) -> None:
    assert may_call(rule, AGENT) and may_call(rule, LEAD)


@pytest.mark.parametrize("rule", FINANCIAL, ids=lambda r: f"{r.method} {r.path}")
def test_admins_have_nothing_financial(rule) -> None:
    assert not may_call(rule, ADMIN)
    assert not may_call(rule, frozenset({"cashier", "tech"}))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_admins_manage_users(method: str) -> None:
    rule = rule_for(method, "/api/v1/admin/users")
    assert rule is not None and may_call(rule, ADMIN)
    assert not may_call(rule, AGENT) and not may_call(rule, LEAD)
    assert may_call(rule, frozenset({"agent", "admin"}))


def test_a_route_missing_from_the_table_is_refused_to_everyone() -> None:
    assert rule_for("DELETE", "/api/v1/vouchers/{code}") is None
    assert not may_call(None, AGENT | LEAD | ADMIN)


def test_money_moving_routes_are_void_reversal_and_retry() -> None:
    assert {r.path for r in ROUTES if r.moves_money} == {
        "/api/v1/vouchers/{code}/void",
        "/api/v1/orders/{merchant_order_no}/reversal",
        "/api/v1/operations/{operation_id}/retry",
    }
    assert all(r.method == "POST" for r in ROUTES if r.moves_money)


def test_routes_go_to_their_service() -> None:
    assert {r.path.split("/")[3] for r in ROUTES if r.service == "voucher"} == {
        "vouchers",
        "orders",
        "operations",
    }
    points = [r for r in ROUTES if r.service == "points"]
    assert [r.path for r in points] == ["/api/v1/users/{user_id}/points"]
    assert upstream_path("/api/v1/vouchers/ABC%2F1/void") == "/vouchers/ABC%2F1/void"
    with pytest.raises(ValueError):
        upstream_path("/health")


def test_only_login_me_and_health_are_open_to_any_role() -> None:
    open_routes = {r.path for r in ROUTES if r.audience is not Audience.ROLES}
    assert open_routes == {"/health", "/api/v1/auth/login", "/api/v1/auth/me"}


def test_the_table_and_the_declared_routes_match() -> None:
    doc = create_app(Settings(database_url="postgresql://unused/x")).openapi()
    declared = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    assert declared == {r.key for r in ROUTES}


def test_the_openapi_document_types_every_forwarded_route() -> None:
    doc = create_app(Settings(database_url="postgresql://unused/x")).openapi()
    for path in (
        "/api/v1/vouchers/{code}/void",
        "/api/v1/orders/{merchant_order_no}/reversal",
        "/api/v1/operations/{operation_id}/retry",
    ):
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert {"$ref": "#/components/schemas/ReasonIn"} in body["schema"]["anyOf"]
    assert set(doc["components"]["schemas"]["ReasonIn"]["properties"]) == {"reason"}
    search = doc["paths"]["/api/v1/vouchers"]["get"]
    assert {p["name"] for p in search["parameters"]} >= {
        "phone",
        "user_id",
        "code",
        "merchant_order_no",
        "source",
        "status",
        "order_date_from",
        "order_date_to",
        "limit",
        "cursor",
    }
    assert "bearer" in str(doc["components"]["securitySchemes"]).lower()


def test_every_route_but_the_public_ones_checks_the_caller() -> None:
    doc = create_app(Settings(database_url="postgresql://unused/x")).openapi()
    for rule in ROUTES:
        operation = doc["paths"][rule.path][rule.method.lower()]
        signed_in = bool(operation.get("security"))
        assert signed_in is (rule.audience is not Audience.PUBLIC), rule.key
