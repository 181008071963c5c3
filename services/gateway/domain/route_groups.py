"""What a signed-in user may open, read off the route table (never a second copy of it).

The console builds its menu and shows its buttons from this answer: a route is in it when
the route table lets the user's roles call it, and a group is the area the route belongs to
("vouchers", "notify.sms", "refunds.forms"), named after the path under its public prefix.
"""

from __future__ import annotations

from services.gateway.domain.route_rule import API_PREFIX, RouteRule
from services.gateway.domain.routes import ROUTES, may_call


def allowed_rules(roles: frozenset[str]) -> list[RouteRule]:
    """The API routes (under /api/v1) the roles may call, in the table's order."""
    return [r for r in ROUTES if r.path.startswith(API_PREFIX + "/") and may_call(r, roles)]


def group_of(rule: RouteRule) -> str:
    """The area of a route: its first path segment under the prefix, after the prefix's own
    area when the prefix is an area's (``/api/v1/notify/sms/{id}`` → ``notify.sms``)."""
    first = rule.path[len(rule.prefix) :].strip("/").split("/")[0]
    area = rule.prefix[len(API_PREFIX) :].strip("/")
    return f"{area}.{first}" if area else first


def route_key(rule: RouteRule) -> str:
    """``GET /api/v1/vouchers``: how the console names a route it may call."""
    return f"{rule.method} {rule.path}"


def rights_of(roles: frozenset[str]) -> tuple[list[str], list[str]]:
    """The sorted groups and the route keys the roles may use."""
    rules = allowed_rules(roles)
    return sorted({group_of(r) for r in rules}), [route_key(r) for r in rules]
