"""Work resumed later (by a timer) stays in the trace of the request that started it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry.trace import Span

from shared.telemetry import context_from, tracer


@contextmanager
def continuing(traceparent: str | None, name: str) -> Iterator[Span]:
    carrier = {"traceparent": traceparent} if traceparent else {}
    with tracer(__name__).start_as_current_span(name, context=context_from(carrier)) as span:
        yield span
