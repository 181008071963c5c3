"""The rental rows of the gateway's route table follow DOMAIN.md's roles."""

from __future__ import annotations

import pytest

from services.gateway.app import create_app
from services.gateway.domain.rental_routes import ROUTES
from services.gateway.domain.routes import RENTAL_PREFIX, may_call, rule_for, upstream_path
from shared.rental_roles import WHO_MAY
from shared.settings import Settings

ROLES = ("agent", "duty_lead", "ops_supervisor", "admin", "tech", "cashier")


def who_may(method: str, path: str) -> set[str]:
    rule = rule_for(method, RENTAL_PREFIX + path)
    assert rule is not None, (method, path)
    return {role for role in ROLES if may_call(rule, frozenset({role}))}


READERS = {"agent", "duty_lead", "ops_supervisor"}
FRONT_LINE = {"agent", "duty_lead"}


@pytest.mark.parametrize(
    ("method", "path", "roles"),
    [
        ("GET", "/users", READERS),
        ("GET", "/orders/{trip_id}", READERS),
        ("GET", "/bikes/{bike_id}", READERS),
        ("POST", "/orders/{trip_id}/exception-fix", FRONT_LINE),
        ("POST", "/users/{user_id}/blacklist", FRONT_LINE),
        ("POST", "/users/{user_id}/blacklist/restore", FRONT_LINE),
        ("POST", "/users/{user_id}/status", FRONT_LINE),
        ("POST", "/feedback/{feedback_id}/reject", FRONT_LINE),
        ("POST", "/insurance-applications/{application_id}/accept", FRONT_LINE),
        ("POST", "/users/{user_id}/delete", {"duty_lead"}),
        ("PUT", "/guide", {"duty_lead", "ops_supervisor"}),
        ("GET", "/statistics/daily", READERS),
    ],
)
def test_rental_routes_follow_the_roles_table(method: str, path: str, roles: set[str]) -> None:
    assert who_may(method, path) == roles


def test_only_the_exception_fix_moves_money_and_all_go_to_rental() -> None:
    assert [r.path for r in ROUTES if r.moves_money] == [
        f"{RENTAL_PREFIX}/orders/{{trip_id}}/exception-fix"
    ]
    assert all(r.service == "rental" and r.prefix == RENTAL_PREFIX for r in ROUTES)
    assert upstream_path("/api/v1/rental/users/u1", RENTAL_PREFIX) == "/users/u1"


def test_the_openapi_document_types_the_rental_routes() -> None:
    doc = create_app(Settings(database_url="postgresql://unused/x")).openapi()
    paths = doc["paths"]
    for rule in ROUTES:
        operation = paths[rule.path][rule.method.lower()]
        assert "200" in operation["responses"], rule.key
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]
    fix = paths[f"{RENTAL_PREFIX}/orders/{{trip_id}}/exception-fix"]["post"]
    ref = fix["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert set(doc["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]) == {
        "ended_at",
        "reason",
    }
    search = {p["name"] for p in paths[f"{RENTAL_PREFIX}/users"]["get"]["parameters"]}
    assert search >= {"phone", "name", "user_id", "status", "registered_from", "cursor"}


def test_the_gateway_and_the_service_ask_one_roles_table() -> None:
    """Each rental command's gateway row lets through exactly the roles the service's
    action flags and refusals use (shared.rental_roles.WHO_MAY)."""
    commands = {
        "/users/{user_id}/status": "status_fix",
        "/users/{user_id}/blacklist": "blacklist",
        "/users/{user_id}/blacklist/restore": "restore_from_blacklist",
        "/users/{user_id}/delete": "delete",
        "/users/{user_id}/restore": "restore",
        "/orders/{trip_id}/exception-fix": "exception_fix",
        "/feedback/{feedback_id}/accept": "accept",
        "/insurance-applications/{application_id}/reject": "reject",
    }
    for path, action in commands.items():
        assert who_may("POST", path) == set(WHO_MAY[action]) & set(ROLES), path
