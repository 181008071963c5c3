"""OpenTelemetry set-up: traces, metrics, JSON logs, and the trace context carried across Kafka.

Spans are recorded only when something reads them: exported over OTLP when
``KEFU_OTLP_ENDPOINT`` is set (a share of new traces, ``KEFU_TRACE_SAMPLE_RATIO``), or
handed to a test's processor. Either way every request and message carries a trace id
on to the next service, its operation records and its log lines. Metrics are on
unless ``KEFU_METRICS=false``: Prometheus text at each service's ``GET /metrics``,
and OTLP too when the endpoint is set. docs/observability.md says what is emitted.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, Sampler, TraceIdRatioBased

from shared.observability import db as db_spans
from shared.observability.redact import redact, redact_value
from shared.observability.repeats import RepeatFilter
from shared.settings import Settings
from shared.threads import name_os_threads

_configured = False
_metrics_on = False


def _resource(service: str) -> Resource:
    return Resource.create({"service.name": f"kefu-{service}", "service.namespace": "kefu"})


def setup_telemetry(
    service: str, settings: Settings, *, extra_processor: SpanProcessor | None = None
) -> None:
    """Install the tracer and meter providers and JSON logging for this process (once)."""
    global _configured
    if _configured:
        return
    _configured = True
    name_os_threads()  # what wakes an idle process shows per thread (bench.idle)
    reader = bool(settings.otlp_endpoint) or extra_processor is not None
    provider = TracerProvider(resource=_resource(service), sampler=sampler(settings, reader))
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(
            BatchSpanProcessor(
                OTLPSpanExporter(endpoint=endpoint),
                schedule_delay_millis=settings.span_flush_delay_ms,
            )
        )
    if extra_processor is not None:
        provider.add_span_processor(extra_processor)
    trace.set_tracer_provider(provider)
    db_spans.enabled = settings.db_spans
    setup_metrics(service, settings)
    setup_logging(service, settings)


def sampler(settings: Settings, read: bool) -> Sampler:
    """Which spans are recorded. A span no processor reads still cost its attributes, its
    events and its end on every request, message and SQL statement: unread, none is
    recorded, yet each still has ids, so the trace id reaches the next service, the
    operation records and the logs as before."""
    if not read:
        return ALWAYS_OFF
    return ParentBased(TraceIdRatioBased(settings.trace_sample_ratio))


def spans_recorded() -> bool:
    """Whether this process may record a span (some processor reads them): what is built
    only for a recorded span (a batch's links to its messages' traces) can be left out
    when none is. True until the provider is set."""
    return getattr(trace.get_tracer_provider(), "sampler", None) is not ALWAYS_OFF


def setup_metrics(
    service: str, settings: Settings, *, extra_readers: tuple[MetricReader, ...] = ()
) -> bool:
    """Install the process's MeterProvider (once; a no-op with ``KEFU_METRICS=false``).

    Returns whether metrics are on. The Prometheus reader registers with
    prometheus_client's default registry, which ``GET /metrics`` serves.
    """
    global _metrics_on
    if _metrics_on or not settings.metrics:
        return _metrics_on
    from opentelemetry.exporter.prometheus import PrometheusMetricReader

    readers: list[MetricReader] = [PrometheusMetricReader(scope_info_enabled=False)]
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/metrics"
        readers.append(
            PeriodicExportingMetricReader(
                OTLPMetricExporter(endpoint=endpoint),
                export_interval_millis=settings.metrics_export_interval_ms,
            )
        )
    readers += extra_readers
    metrics.set_meter_provider(MeterProvider(resource=_resource(service), metric_readers=readers))
    _metrics_on = True
    return True


def metrics_enabled() -> bool:
    return _metrics_on


_tracers: dict[str, trace.Tracer] = {}


def tracer(name: str) -> trace.Tracer:
    """The tracer of ``name``, made once: ``get_tracer`` builds a new tracer and its scope on
    every call, and handlers ask for one per message. Made before the provider is set, it is
    OpenTelemetry's proxy, which uses the provider once there is one."""
    found = _tracers.get(name)
    if found is None:
        found = _tracers[name] = trace.get_tracer(name)
    return found


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent")


def context_from(carrier: Mapping[str, str]) -> otel_context.Context:
    return extract(dict(carrier))


@contextmanager
def continuing(traceparent: str | None, name: str) -> Iterator[trace.Span]:
    """A span in the trace of ``traceparent``: work resumed later (by a timer, or for one
    message of a batch) stays in the trace of the request that started it. Already in that
    trace (a batch of one, processed in its message's trace), it is a child of the current
    span, so the processing stays on the path from the request to what it caused."""
    parent = context_from({"traceparent": traceparent} if traceparent else {})
    theirs = trace.get_current_span(parent).get_span_context()
    current = trace.get_current_span().get_span_context()
    same_trace = current.is_valid and theirs.is_valid and theirs.trace_id == current.trace_id
    with tracer(__name__).start_as_current_span(
        name, context=None if same_trace else parent
    ) as span:
        yield span


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


class JsonFormatter(logging.Formatter):
    """One JSON object a line, with the trace and span ids of the active span.

    Phone, card and ID numbers are masked in the message, the exception and every
    field (shared.observability.redact): logs leave the process, personal numbers don't.
    """

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({k: redact_value(v) for k, v in fields.items()})
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        # one line per event: json.dumps escapes the newlines of a traceback
        return json.dumps(entry, ensure_ascii=False, default=lambda v: redact(str(v)))


class PlainFormatter(logging.Formatter):
    """Human-readable lines (``KEFU_LOG_JSON=false``), masked like the JSON ones."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(service: str, settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service) if settings.log_json else PlainFormatter())
    handler.addFilter(RepeatFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # httpx and httpcore log every request's URL, query and all, at INFO: the gateway's
    # calls carry phones in many formats there (its own CLIENT span names the route)
    for noisy in ("aiokafka", "faststream", "uvicorn.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
