"""The business metrics every service records, each named once here.

Instruments come from OpenTelemetry's global meter: until a process installs a
MeterProvider (see shared.telemetry) they record nothing, so code and tests may
call these freely. Names follow OpenTelemetry's conventions (dotted, unit apart).
"""

from __future__ import annotations

from opentelemetry import metrics

_meter = metrics.get_meter("kefu")

_saga_duration = _meter.create_histogram(
    "kefu.saga.duration",
    unit="s",
    description="Time from a saga's start to its end, by saga and outcome.",
)
_operations = _meter.create_counter(
    "kefu.operations",
    unit="{operation}",
    description="Finished back-office operations by type, outcome and failure cause.",
)
_sla_breaches = _meter.create_counter(
    "kefu.sla.breaches",
    unit="{breach}",
    description="Time limits missed, by step.",
)


def saga_finished(saga: str, outcome: str, seconds: float) -> None:
    """A saga (``reversal``, ``refund_form``, ``requested_refund``, ...) reached an end."""
    _saga_duration.record(seconds, {"kefu.saga": saga, "kefu.outcome": outcome})


def operation_finished(kind: str, outcome: str, failure: str | None = None) -> None:
    """An agent's operation (``void``, ``reversal``, ``exception_fix``, ...) finished."""
    _operations.add(
        1, {"kefu.operation": kind, "kefu.outcome": outcome, "kefu.failure": failure or "none"}
    )


def sla_breached(step: str) -> None:
    _sla_breaches.add(1, {"kefu.step": step})
