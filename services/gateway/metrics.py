"""The gateway's own metric: sign-in and account events (docs/observability.md)."""

from __future__ import annotations

from functools import cache

from opentelemetry import metrics
from opentelemetry.metrics import Counter


@cache
def _auth_events() -> Counter:
    return metrics.get_meter("kefu").create_counter(
        "kefu.auth.events",
        unit="{event}",
        description="Sign-ins refused, locked out or made, and account changes, by event.",
    )


def auth_event(event: str) -> None:
    _auth_events().add(1, {"kefu.event": event})
