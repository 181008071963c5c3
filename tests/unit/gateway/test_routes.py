"""The route table: who may call what, and that it matches the routes the app declares."""

from __future__ import annotations

import pytest

from services.gateway.app import create_app
from services.gateway.domain.routes import (
    NOTIFY_PREFIX,
    ROUTES,
    Audience,
    RouteRule,
    may_call,
    rule_for,
    upstream_path,
)
from shared.settings import Settings

AGENT, LEAD, ADMIN = frozenset({"agent"}), frozenset({"duty_lead"}), frozenset({"admin"})
OPS = frozenset({"ops_supervisor"})
FINANCIAL = [r for r in ROUTES if r.service in ("voucher", "points")]
NOTIFY = [r for r in ROUTES if r.service == "notify"]


def notify_rule(method: str, path: str) -> RouteRule:
    rule = rule_for(method, NOTIFY_PREFIX + path)
    assert rule is not None, (method, path)
    return rule


def who_may(rule: RouteRule) -> set[str]:
    """The demo roles (and a tech, standing for any other role) that may call ``rule``."""
    roles = {"agent", "duty_lead", "admin", "ops_supervisor", "tech"}
    return {role for role in roles if may_call(rule, frozenset({role}))}


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
    assert {r.path for r in ROUTES if r.moves_money and r.service == "voucher"} == {
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


def test_only_login_health_and_the_board_are_public() -> None:
    public = {r.path for r in ROUTES if r.audience is Audience.PUBLIC}
    assert public == {"/health", "/api/v1/auth/login", "/api/v1/notify/announcements/board"}
    assert all(r.method == "GET" for r in ROUTES if r.audience is Audience.PUBLIC and r.forwarded)


def test_only_ones_own_account_and_inbox_are_open_to_any_signed_in_role() -> None:
    signed_in = {(r.method, r.path) for r in ROUTES if r.audience is Audience.SIGNED_IN}
    assert signed_in == {
        ("GET", "/api/v1/auth/me"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/auth/password"),
        ("GET", "/api/v1/notify/inbox/me"),
        ("GET", "/api/v1/notify/inbox/me/unread-count"),
        ("POST", "/api/v1/notify/inbox/me/messages/{message_id}/read"),
        ("POST", "/api/v1/notify/inbox/me/read-all"),
    }


@pytest.mark.parametrize(
    ("method", "path", "roles"),
    [
        ("GET", "/sms", {"agent", "duty_lead"}),
        ("GET", "/sms/{sms_id}", {"agent", "duty_lead"}),
        ("GET", "/sms/latest-code", {"duty_lead"}),
        ("GET", "/sms/code-lookups", {"duty_lead", "admin"}),
        ("POST", "/verification-codes", {"agent", "duty_lead"}),
        ("POST", "/verification-codes/check", {"agent", "duty_lead"}),
        ("GET", "/users/{user_id}/inbox", {"agent", "duty_lead"}),
        ("GET", "/users/{user_id}/inbox/unread-count", {"agent", "duty_lead"}),
        ("GET", "/inbox/me", {"agent", "duty_lead", "admin", "ops_supervisor", "tech"}),
        ("GET", "/announcements", {"agent", "duty_lead", "ops_supervisor"}),
        ("GET", "/announcements/{announcement_id}", {"agent", "duty_lead", "ops_supervisor"}),
        ("POST", "/announcements", {"ops_supervisor"}),
        ("PUT", "/announcements/{announcement_id}", {"ops_supervisor"}),
        ("POST", "/announcements/{announcement_id}/publish", {"ops_supervisor"}),
        ("POST", "/announcements/{announcement_id}/withdraw", {"ops_supervisor"}),
        ("POST", "/announcements/{announcement_id}/schedule", {"ops_supervisor"}),
    ],
)
def test_notify_routes_follow_the_roles_table(method: str, path: str, roles: set[str]) -> None:
    assert who_may(notify_rule(method, path)) == roles


def test_the_latest_code_needs_its_own_permission() -> None:
    latest = notify_rule("GET", "/sms/latest-code")
    log = notify_rule("GET", "/sms")
    assert may_call(log, AGENT) and not may_call(latest, AGENT)
    assert latest.roles < log.roles


def test_notify_routes_neither_move_money_nor_reach_another_service() -> None:
    assert len(NOTIFY) == 20
    assert all(r.path.startswith(NOTIFY_PREFIX + "/") for r in NOTIFY)
    assert all(r.prefix == NOTIFY_PREFIX and not r.moves_money for r in NOTIFY)
    assert all(r.service == "notify" for r in ROUTES if r.path.startswith(NOTIFY_PREFIX))
    assert upstream_path("/api/v1/notify/sms/12", NOTIFY_PREFIX) == "/sms/12"
    with pytest.raises(ValueError):
        upstream_path("/api/v1/vouchers", NOTIFY_PREFIX)


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


def test_the_openapi_document_types_the_notify_routes() -> None:
    doc = create_app(Settings(database_url="postgresql://unused/x")).openapi()
    paths, schemas = doc["paths"], doc["components"]["schemas"]

    def body_of(path: str, method: str = "post") -> str:
        content = paths[NOTIFY_PREFIX + path][method]["requestBody"]["content"]
        ref: str = content["application/json"]["schema"]["$ref"]
        return ref.rsplit("/", 1)[1]

    def params_of(path: str) -> set[str]:
        params = paths[NOTIFY_PREFIX + path]["get"].get("parameters", [])
        return {p["name"] for p in params if p["in"] != "header"}

    assert body_of("/announcements") == body_of("/announcements/{announcement_id}", "put")
    assert set(schemas[body_of("/announcements")]["properties"]) == {
        "title",
        "body",
        "publish_at",
        "withdraw_at",
    }
    assert set(schemas[body_of("/verification-codes")]["properties"]) == {"phone", "purpose"}
    assert set(schemas[body_of("/verification-codes/check")]["properties"]) == {
        "phone",
        "purpose",
        "code",
    }
    assert params_of("/sms") == {"phone", "status", "limit", "cursor"}
    assert params_of("/sms/latest-code") == {"phone"}
    assert params_of("/announcements") == {"status", "limit", "cursor"}
    # a staff member's inbox is named by the sign-in: no recipient or kind to choose
    assert params_of("/inbox/me") == {"unread_only", "limit", "cursor"}
    assert params_of("/users/{user_id}/inbox") == {"user_id", "unread_only", "limit", "cursor"}
    ok = paths[NOTIFY_PREFIX + "/announcements/board"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/BoardOut")


def test_every_route_but_the_public_ones_checks_the_caller() -> None:
    doc = create_app(Settings(database_url="postgresql://unused/x")).openapi()
    for rule in ROUTES:
        operation = doc["paths"][rule.path][rule.method.lower()]
        signed_in = bool(operation.get("security"))
        assert signed_in is (rule.audience is not Audience.PUBLIC), rule.key
