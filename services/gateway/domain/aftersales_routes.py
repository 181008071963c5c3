"""Route rows of after-sales tickets, activations, shift handovers and refund reports."""

from __future__ import annotations

from services.gateway.domain.route_rule import RouteRule

ROUTES: tuple[RouteRule, ...] = ()
