"""What one row of the route table says: a route, who may call it, which service answers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

API_PREFIX = "/api/v1"
NOTIFY_PREFIX = f"{API_PREFIX}/notify"
REFUNDS_PREFIX = f"{API_PREFIX}/refunds"
AFTERSALES_PREFIX = f"{API_PREFIX}/aftersales"
RENTAL_PREFIX = f"{API_PREFIX}/rental"


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
    prefix: str = API_PREFIX
    """The public part of the path: the service answers at the path without it."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def forwarded(self) -> bool:
        return self.service != "gateway"
