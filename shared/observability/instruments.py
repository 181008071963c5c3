"""Every OpenTelemetry instrument of the platform, named once here.

The names are a contract with the dashboards and alerts in ``deploy/`` (see
docs/observability.md). Instruments hang off a :class:`Instruments` built from a
meter: the global one by default (recording nothing until a MeterProvider is
installed), a test's own with :func:`use_meter`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Meter, Observation

# OpenTelemetry's advised HTTP buckets (seconds), stretched for sagas that wait on outsiders.
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
SAGA_BUCKETS = (*SECONDS_BUCKETS, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)

Attributes = Mapping[str, str | int]


class Gauge:
    """The latest sampled values of one observable gauge, one per attribute set.

    A sampler (a background task) writes; the metric reader's callback reads.
    ``replace`` swaps one source's whole set, so partitions no longer assigned vanish.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, dict[tuple[tuple[str, str | int], ...], float]] = {}

    def replace(self, source: str, values: Iterable[tuple[Attributes, float]]) -> None:
        fresh = {tuple(sorted(attrs.items())): value for attrs, value in values}
        with self._lock:
            self._values[source] = fresh

    def set(self, source: str, value: float, attrs: Attributes | None = None) -> None:
        self.replace(source, [(attrs or {}, value)])

    def forget(self, source: str) -> None:
        with self._lock:
            self._values.pop(source, None)

    def observe(self, _: CallbackOptions) -> Iterator[Observation]:
        with self._lock:
            merged: dict[tuple[tuple[str, str | int], ...], float] = {}
            for values in self._values.values():
                for key, value in values.items():
                    merged[key] = merged.get(key, 0.0) + value
        for key, value in merged.items():
            yield Observation(value, dict(key))


class Instruments:
    def __init__(self, meter: Meter) -> None:
        self.http_server_duration = meter.create_histogram(
            "http.server.request.duration",
            unit="s",
            description="Duration of HTTP requests served (not /health or /metrics).",
            explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
        )
        self.process_duration = meter.create_histogram(
            "messaging.process.duration",
            unit="s",
            description="Time to handle one Kafka message, by topic, group and outcome.",
            explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
        )
        self.dlq_messages = meter.create_counter(
            "kefu.dlq.messages",
            unit="{message}",
            description="Messages sent to a dead-letter topic, by DLQ topic and reason.",
        )
        self.saga_duration = meter.create_histogram(
            "kefu.saga.duration",
            unit="s",
            description="Time from a saga's start to its end, by saga and outcome.",
            explicit_bucket_boundaries_advisory=SAGA_BUCKETS,
        )
        self.operations = meter.create_counter(
            "kefu.operations",
            unit="{operation}",
            description="Finished back-office operations by type, outcome and failure cause.",
        )
        self.sla_breaches = meter.create_counter(
            "kefu.sla.breaches", unit="{breach}", description="Time limits missed, by step."
        )
        self.consumer_rejoins = meter.create_counter(
            "kefu.consumer.rejoins",
            unit="{rejoin}",
            description="Consumers re-created after failing to fetch or commit.",
        )
        self.consumer_lag = Gauge()
        self.consumer_failing = Gauge()
        self.outbox_backlog = Gauge()
        self.outbox_oldest_age = Gauge()
        self.parked_messages = Gauge()
        observed = (
            (
                "kefu.consumer.lag",
                "{message}",
                self.consumer_lag,
                "Messages not yet consumed, by partition.",
            ),
            (
                "kefu.consumer.failing",
                "s",
                self.consumer_failing,
                "How long each consumer has failed to fetch or commit (0 when it is fine).",
            ),
            (
                "kefu.outbox.backlog",
                "{message}",
                self.outbox_backlog,
                "Outbox rows not yet published.",
            ),
            (
                "kefu.outbox.oldest.age",
                "s",
                self.outbox_oldest_age,
                "Age of the oldest unpublished outbox row.",
            ),
            (
                "kefu.parked.messages",
                "{message}",
                self.parked_messages,
                "Messages parked for a retry.",
            ),
        )
        for name, unit, gauge, description in observed:
            meter.create_observable_gauge(
                name, callbacks=[gauge.observe], unit=unit, description=description
            )


_current: Instruments | None = None


def instruments() -> Instruments:
    global _current
    if _current is None:
        _current = Instruments(metrics.get_meter("kefu"))
    return _current


@contextmanager
def use_meter(meter: Meter) -> Iterator[Instruments]:
    """Record on ``meter`` for the block (a test's MeterProvider with an in-memory reader)."""
    global _current
    saved, _current = _current, Instruments(meter)
    try:
        yield _current
    finally:
        _current = saved
