"""Route rows of the rental service: users, blacklist, orders, feedback, guide, statistics.

Roles (DOMAIN.md): agents and duty leads search, fix rental exceptions, blacklist and
decide feedback; operations supervisors read along (they own deposits and the guide);
soft delete, a step past the agent's listed rights, is the duty lead's; the guide,
rarely changed (seed 001: 切勿随意修改), is edited by duty leads and supervisors.
"""

from __future__ import annotations

from services.gateway.domain.roles import DUTY_LEAD, FRONT_LINE, OPS_SUPERVISOR
from services.gateway.domain.route_rule import RENTAL_PREFIX, Audience, RouteRule

READERS = FRONT_LINE | {OPS_SUPERVISOR}
"""Who reads users, orders, feedback, the guide and the daily figures."""
DELETERS = frozenset({DUTY_LEAD})
GUIDE_EDITORS = frozenset({DUTY_LEAD, OPS_SUPERVISOR})


def _rental(method: str, path: str, roles: frozenset[str], *, money: bool = False) -> RouteRule:
    return RouteRule(
        method, RENTAL_PREFIX + path, "rental", Audience.ROLES, roles, money, prefix=RENTAL_PREFIX
    )


ROUTES: tuple[RouteRule, ...] = (
    _rental("GET", "/users", READERS),
    _rental("GET", "/users/{user_id}", READERS),
    _rental("GET", "/users/{user_id}/rentals", READERS),
    _rental("POST", "/users/{user_id}/status", FRONT_LINE),
    _rental("POST", "/users/{user_id}/blacklist", FRONT_LINE),
    _rental("POST", "/users/{user_id}/blacklist/restore", FRONT_LINE),
    _rental("POST", "/users/{user_id}/delete", DELETERS),
    _rental("POST", "/users/{user_id}/restore", DELETERS),
    _rental("GET", "/blacklist", READERS),
    _rental("GET", "/orders", READERS),
    _rental("GET", "/orders/{trip_id}", READERS),
    _rental("GET", "/bikes/{bike_id}", READERS),
    # It reprices the trip: a money-moving command, so it needs an Idempotency-Key.
    _rental("POST", "/orders/{trip_id}/exception-fix", FRONT_LINE, money=True),
    _rental("GET", "/feedback", READERS),
    _rental("GET", "/feedback/{feedback_id}", READERS),
    _rental("POST", "/feedback/{feedback_id}/accept", FRONT_LINE),
    _rental("POST", "/feedback/{feedback_id}/reject", FRONT_LINE),
    _rental("GET", "/insurance-applications", READERS),
    _rental("GET", "/insurance-applications/{application_id}", READERS),
    _rental("POST", "/insurance-applications/{application_id}/accept", FRONT_LINE),
    _rental("POST", "/insurance-applications/{application_id}/reject", FRONT_LINE),
    _rental("GET", "/guide", READERS),
    _rental("PUT", "/guide", GUIDE_EDITORS),
    _rental("GET", "/guide/versions", READERS),
    _rental("GET", "/guide/versions/{version}", READERS),
    _rental("GET", "/statistics/daily", READERS),
)
