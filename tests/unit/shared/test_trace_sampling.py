"""Spans are recorded only when something reads them, and a recorded share is sampled
by trace: yet every span, recorded or not, carries the trace on."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.trace import TracerProvider
from pydantic import ValidationError

from shared.messaging.cloudevents import EventMeta
from shared.messaging.consumer import Envelope, RawMessage, batch_links
from shared.settings import Settings
from shared.telemetry import sampler, spans_recorded

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SAMPLED_CALLER = {"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"}


def _tracer(ratio: float, *, read: bool) -> trace.Tracer:
    settings = Settings(trace_sample_ratio=ratio)
    return TracerProvider(sampler=sampler(settings, read)).get_tracer(__name__)


def test_unread_spans_are_not_recorded_but_carry_the_trace_on() -> None:
    tracer = _tracer(1.0, read=False)
    with tracer.start_as_current_span("process points.reversal.requested.v1") as span:
        assert not span.is_recording()
        assert span.get_span_context().is_valid  # a trace id for the logs and records
        carrier: dict[str, str] = {}
        inject(carrier)
    assert carrier["traceparent"].split("-")[1] == format(span.get_span_context().trace_id, "032x")
    with tracer.start_as_current_span("POST", context=extract(SAMPLED_CALLER)) as called:
        assert format(called.get_span_context().trace_id, "032x") == CALLER_TRACE
        assert not called.is_recording()


def test_read_spans_are_recorded_at_the_ratio_and_follow_the_callers_choice() -> None:
    assert _tracer(1.0, read=True).start_span("POST").is_recording()
    never = _tracer(0.0, read=True)
    assert not never.start_span("POST").is_recording()
    # a trace sampled upstream is recorded whole, whatever this service's own ratio
    assert never.start_span("POST", context=extract(SAMPLED_CALLER)).is_recording()


def test_the_ratio_is_a_share() -> None:
    with pytest.raises(ValidationError):
        Settings(trace_sample_ratio=1.5)


def _envelope(traceparent: str) -> Envelope[Any]:
    meta = EventMeta(id="e1", type="t", source="/s", time=None, traceparent=traceparent)
    raw = RawMessage("t", 0, 0, None, (), b"{}")
    return Envelope(None, meta, raw)


@pytest.mark.parametrize("read", [False, True])
def test_a_batch_links_its_messages_traces_only_when_its_span_may_be_recorded(
    monkeypatch: pytest.MonkeyPatch, read: bool
) -> None:
    """Each link parses its message's trace context again: for a span no processor reads
    (no OTLP endpoint, as ``kefu up`` runs) that is work per message for nothing."""
    provider = TracerProvider(sampler=sampler(Settings(), read))
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    assert spans_recorded() is read
    links = batch_links([_envelope(SAMPLED_CALLER["traceparent"])])
    assert [format(link.context.trace_id, "032x") for link in links] == (
        [CALLER_TRACE] if read else []
    )
