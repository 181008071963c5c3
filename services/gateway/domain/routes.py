"""The route table: every gateway route, who may call it and which service answers it.

One place, data not code. A route missing from the table is refused to everyone
(fail closed), and a test checks the table and the declared routes match.
"""

from __future__ import annotations

from services.gateway.domain import (
    aftersales_routes,
    refund_routes,
    rental_account_routes,
    rental_routes,
)
from services.gateway.domain.roles import (
    ADMIN,
    ANNOUNCEMENT_EDITORS,
    ANNOUNCEMENT_READERS,
    CODE_LOOKUP,
    CODE_LOOKUP_AUDIT,
    FRONT_LINE,
)
from services.gateway.domain.route_rule import (
    AFTERSALES_PREFIX,
    API_PREFIX,
    NOTIFY_PREFIX,
    REFUNDS_PREFIX,
    RENTAL_PREFIX,
    Audience,
    RouteRule,
)

__all__ = [
    "AFTERSALES_PREFIX",
    "API_PREFIX",
    "NOTIFY_PREFIX",
    "REFUNDS_PREFIX",
    "RENTAL_PREFIX",
    "ROUTES",
    "Audience",
    "RouteRule",
    "may_call",
    "rule_for",
    "upstream_path",
]


def _front_line(method: str, path: str, service: str, *, money: bool = False) -> RouteRule:
    return RouteRule(method, API_PREFIX + path, service, Audience.ROLES, FRONT_LINE, money)


def _notify(
    method: str, path: str, roles: frozenset[str] = frozenset(), audience: Audience = Audience.ROLES
) -> RouteRule:
    return RouteRule(method, NOTIFY_PREFIX + path, "notify", audience, roles, prefix=NOTIFY_PREFIX)


PASSWORD_CHANGE_PATHS = frozenset(
    f"{API_PREFIX}/auth/{name}" for name in ("me", "logout", "password")
)
"""All an account whose password an admin reset may do until it chooses its own."""

ROUTES: tuple[RouteRule, ...] = (
    RouteRule("GET", "/health", "gateway", Audience.PUBLIC),
    RouteRule("POST", f"{API_PREFIX}/auth/login", "gateway", Audience.PUBLIC),
    RouteRule("GET", f"{API_PREFIX}/auth/me", "gateway", Audience.SIGNED_IN),
    RouteRule("POST", f"{API_PREFIX}/auth/logout", "gateway", Audience.SIGNED_IN),
    RouteRule("POST", f"{API_PREFIX}/auth/password", "gateway", Audience.SIGNED_IN),
    _front_line("GET", "/vouchers", "voucher"),
    _front_line("GET", "/vouchers/{code}", "voucher"),
    _front_line("GET", "/vouchers/{code}/operations", "voucher"),
    _front_line("POST", "/vouchers/{code}/void", "voucher", money=True),
    _front_line("POST", "/orders/{merchant_order_no}/reversal", "voucher", money=True),
    _front_line("GET", "/operations/{operation_id}", "voucher"),
    _front_line("POST", "/operations/{operation_id}/retry", "voucher", money=True),
    _front_line("GET", "/users/{user_id}/points", "points"),
    _notify("GET", "/sms", FRONT_LINE),
    # Its own permission, not the front line's: the code in clear acts as the customer
    # (see CODE_LOOKUP); the notify service records each look-up.
    _notify("GET", "/sms/latest-code", CODE_LOOKUP),
    _notify("GET", "/sms/code-lookups", CODE_LOOKUP_AUDIT),
    _notify("GET", "/sms/{sms_id}", FRONT_LINE),
    _notify("POST", "/verification-codes", FRONT_LINE),
    _notify("POST", "/verification-codes/check", FRONT_LINE),
    # Staff read only their own inbox: the gateway names the recipient from the sign-in.
    _notify("GET", "/inbox/me", audience=Audience.SIGNED_IN),
    _notify("GET", "/inbox/me/unread-count", audience=Audience.SIGNED_IN),
    _notify("POST", "/inbox/me/messages/{message_id}/read", audience=Audience.SIGNED_IN),
    _notify("POST", "/inbox/me/read-all", audience=Audience.SIGNED_IN),
    # A customer's inbox, read-only: marking read is the customer's act, not the agent's.
    _notify("GET", "/users/{user_id}/inbox", FRONT_LINE),
    _notify("GET", "/users/{user_id}/inbox/unread-count", FRONT_LINE),
    _notify("GET", "/announcements", ANNOUNCEMENT_READERS),
    _notify("POST", "/announcements", ANNOUNCEMENT_EDITORS),
    # The front page's notice board: what every visitor sees, so nobody signs in for it.
    _notify("GET", "/announcements/board", audience=Audience.PUBLIC),
    _notify("GET", "/announcements/{announcement_id}", ANNOUNCEMENT_READERS),
    _notify("PUT", "/announcements/{announcement_id}", ANNOUNCEMENT_EDITORS),
    _notify("POST", "/announcements/{announcement_id}/publish", ANNOUNCEMENT_EDITORS),
    _notify("POST", "/announcements/{announcement_id}/withdraw", ANNOUNCEMENT_EDITORS),
    _notify("POST", "/announcements/{announcement_id}/schedule", ANNOUNCEMENT_EDITORS),
    # Admins manage accounts and roles; nothing financial by default (DOMAIN.md roles).
    RouteRule("GET", f"{API_PREFIX}/admin/users", "gateway", Audience.ROLES, frozenset({ADMIN})),
    RouteRule("POST", f"{API_PREFIX}/admin/users", "gateway", Audience.ROLES, frozenset({ADMIN})),
    *(
        RouteRule(
            "POST",
            f"{API_PREFIX}/admin/users/{{username}}/{act}",
            "gateway",
            Audience.ROLES,
            frozenset({ADMIN}),
        )
        for act in ("disable", "enable", "password-reset", "roles")
    ),
    *refund_routes.ROUTES,
    *aftersales_routes.ROUTES,
    *rental_routes.ROUTES,
    *rental_account_routes.ROUTES,
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


def upstream_path(path: str, prefix: str = API_PREFIX) -> str:
    """The path on the service: the same path without the route's public prefix."""
    if not path.startswith(prefix + "/"):
        raise ValueError(f"{path} is not under {prefix}")
    return path[len(prefix) :]
