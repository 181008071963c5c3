"""The business metrics every service records, each named once (shared.observability.instruments).

Until a process installs a MeterProvider (see shared.telemetry) they record
nothing, so code and tests may call these freely. Names follow OpenTelemetry's
conventions (dotted, unit apart); docs/observability.md lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.observability.instruments import instruments


def saga_finished(saga: str, outcome: str, seconds: float) -> None:
    """A saga (``reversal``, ``refund_form``, ``requested_refund``, ...) reached an end."""
    instruments().saga_duration.record(
        max(seconds, 0.0), {"kefu.saga": saga, "kefu.outcome": outcome}
    )


def operation_finished(kind: str, outcome: str, failure: str | None = None) -> None:
    """An agent's operation (``void``, ``reversal``, ``exception_fix``, ...) finished."""
    instruments().operations.add(
        1, {"kefu.operation": kind, "kefu.outcome": outcome, "kefu.failure": failure or "none"}
    )


def sla_breached(step: str) -> None:
    instruments().sla_breaches.add(1, {"kefu.step": step})


# A counter series exists only from its first increment, so `increase(...) > 0` never sees
# the first one. A service therefore adds 0 at start for every label set it knows.


def sla_steps_known(steps: Iterable[str]) -> None:
    for step in steps:
        instruments().sla_breaches.add(0, {"kefu.step": step})


def operations_known(kind: str, outcomes: Iterable[tuple[str, str | None]]) -> None:
    """``kind``'s (outcome, failure) pairs, each at zero until it happens."""
    for outcome, failure in outcomes:
        instruments().operations.add(
            0, {"kefu.operation": kind, "kefu.outcome": outcome, "kefu.failure": failure or "none"}
        )
