"""Route rows of the rental service: users, blacklist, orders, feedback, guide, statistics.

Roles (DOMAIN.md): agents and duty leads search, fix rental exceptions, blacklist and
decide feedback; operations supervisors read along (they own deposits and the guide).
Who may run each command is ``shared.rental_roles.WHO_MAY``, the table the rental
service asks too when it offers and accepts an action.
"""

from __future__ import annotations

from services.gateway.domain.route_rule import RENTAL_PREFIX, Audience, RouteRule
from shared.rental_roles import READERS, WHO_MAY


def _rental(method: str, path: str, roles: frozenset[str], *, money: bool = False) -> RouteRule:
    return RouteRule(
        method, RENTAL_PREFIX + path, "rental", Audience.ROLES, roles, money, prefix=RENTAL_PREFIX
    )


ROUTES: tuple[RouteRule, ...] = (
    _rental("GET", "/users", READERS),
    _rental("GET", "/users/{user_id}", READERS),
    _rental("GET", "/users/{user_id}/rentals", READERS),
    _rental("POST", "/users/{user_id}/status", WHO_MAY["status_fix"]),
    _rental("POST", "/users/{user_id}/blacklist", WHO_MAY["blacklist"]),
    _rental("POST", "/users/{user_id}/blacklist/restore", WHO_MAY["restore_from_blacklist"]),
    _rental("POST", "/users/{user_id}/delete", WHO_MAY["delete"]),
    _rental("POST", "/users/{user_id}/restore", WHO_MAY["restore"]),
    _rental("GET", "/blacklist", READERS),
    _rental("GET", "/orders", READERS),
    _rental("GET", "/orders/{trip_id}", READERS),
    _rental("GET", "/bikes/{bike_id}", READERS),
    # It reprices the trip: a money-moving command, so it needs an Idempotency-Key.
    _rental("POST", "/orders/{trip_id}/exception-fix", WHO_MAY["exception_fix"], money=True),
    _rental("GET", "/feedback", READERS),
    _rental("GET", "/feedback/{feedback_id}", READERS),
    _rental("POST", "/feedback/{feedback_id}/accept", WHO_MAY["accept"]),
    _rental("POST", "/feedback/{feedback_id}/reject", WHO_MAY["reject"]),
    _rental("GET", "/insurance-applications", READERS),
    _rental("GET", "/insurance-applications/{application_id}", READERS),
    _rental("POST", "/insurance-applications/{application_id}/accept", WHO_MAY["accept"]),
    _rental("POST", "/insurance-applications/{application_id}/reject", WHO_MAY["reject"]),
    _rental("GET", "/guide", READERS),
    _rental("PUT", "/guide", WHO_MAY["edit_guide"]),
    _rental("GET", "/guide/versions", READERS),
    _rental("GET", "/guide/versions/{version}", READERS),
    _rental("GET", "/statistics/daily", READERS),
)
