"""Route rows of rental accounts: deposits, stored value, top-ups, refunds, fund flows."""

from __future__ import annotations

from services.gateway.domain.route_rule import RouteRule

ROUTES: tuple[RouteRule, ...] = ()
