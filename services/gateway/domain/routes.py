"""The route table: every gateway route, who may call it and which service answers it.

One place, data not code. A route missing from the table is refused to everyone
(fail closed), and a test checks the table and the declared routes match.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from services.gateway.domain.roles import ADMIN, FRONT_LINE

API_PREFIX = "/api/v1"


class Audience(Enum):
    PUBLIC = "public"
    """No sign-in: logging in, the health report."""
    SIGNED_IN = "signed_in"
    """Any signed-in user, whatever their roles."""
    ROLES = "roles"
    """Only users holding one of the rule's roles."""


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    """The path template exactly as declared, ``{name}`` for a path parameter."""
    service: str
    """``gateway`` when the gateway answers itself, else the service it forwards to."""
    audience: Audience
    roles: frozenset[str] = frozenset()
    moves_money: bool = False
    """Money-moving commands must carry an Idempotency-Key."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def forwarded(self) -> bool:
        return self.service != "gateway"


def _front_line(method: str, path: str, service: str, *, money: bool = False) -> RouteRule:
    return RouteRule(method, API_PREFIX + path, service, Audience.ROLES, FRONT_LINE, money)


ROUTES: tuple[RouteRule, ...] = (
    RouteRule("GET", "/health", "gateway", Audience.PUBLIC),
    RouteRule("POST", f"{API_PREFIX}/auth/login", "gateway", Audience.PUBLIC),
    RouteRule("GET", f"{API_PREFIX}/auth/me", "gateway", Audience.SIGNED_IN),
    _front_line("GET", "/vouchers", "voucher"),
    _front_line("GET", "/vouchers/{code}", "voucher"),
    _front_line("GET", "/vouchers/{code}/operations", "voucher"),
    _front_line("POST", "/vouchers/{code}/void", "voucher", money=True),
    _front_line("POST", "/orders/{merchant_order_no}/reversal", "voucher", money=True),
    _front_line("GET", "/operations/{operation_id}", "voucher"),
    _front_line("POST", "/operations/{operation_id}/retry", "voucher", money=True),
    _front_line("GET", "/users/{user_id}/points", "points"),
    # Admins manage accounts and roles; nothing financial by default (DOMAIN.md roles).
    RouteRule("GET", f"{API_PREFIX}/admin/users", "gateway", Audience.ROLES, frozenset({ADMIN})),
    RouteRule("POST", f"{API_PREFIX}/admin/users", "gateway", Audience.ROLES, frozenset({ADMIN})),
)

_BY_KEY = {rule.key: rule for rule in ROUTES}


def rule_for(method: str, path: str) -> RouteRule | None:
    return _BY_KEY.get((method.upper(), path))


def may_call(rule: RouteRule | None, roles: frozenset[str]) -> bool:
    """May a signed-in user with ``roles`` call the route? Unknown routes: nobody."""
    if rule is None:
        return False
    if rule.audience is not Audience.ROLES:
        return True
    return bool(rule.roles & roles)


def upstream_path(path: str) -> str:
    """The path on the service: the same path without the public API prefix."""
    if not path.startswith(API_PREFIX + "/"):
        raise ValueError(f"{path} is not under {API_PREFIX}")
    return path[len(API_PREFIX) :]
