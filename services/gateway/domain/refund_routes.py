"""Route rows of the refund service: refund forms, their approval chain, requested refunds."""

from __future__ import annotations

from services.gateway.domain.route_rule import RouteRule

ROUTES: tuple[RouteRule, ...] = ()
