"""Route rows of the rental service: users, blacklist, orders, feedback, guide, statistics."""

from __future__ import annotations

from services.gateway.domain.route_rule import RouteRule

ROUTES: tuple[RouteRule, ...] = ()
