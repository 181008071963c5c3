"""The CLIENT span of an HTTP call to another service (the gateway's forwarding).

Named ``{method}`` with ``url.full``, ``server.address``/``server.port`` and the
status code, by OpenTelemetry's HTTP client conventions; the ``traceparent`` the
callee continues is this span's, so the callee's SERVER span is its child.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from shared.telemetry import current_traceparent

_tracer = trace.get_tracer(__name__)


class ClientCall:
    def __init__(self, span: Span) -> None:
        self.span = span

    def headers(self) -> dict[str, str]:
        """The trace context to send with the request."""
        traceparent = current_traceparent()
        return {"traceparent": traceparent} if traceparent else {}

    def answered(self, status: int) -> None:
        self.span.set_attribute("http.response.status_code", status)
        if status >= 500:
            self.span.set_attribute("error.type", str(status))
            self.span.set_status(Status(StatusCode.ERROR))


@contextmanager
def client_call(method: str, url: str, *, peer: str) -> Iterator[ClientCall]:
    parts = urlsplit(url)
    attributes: dict[str, str | int] = {
        "http.request.method": method,
        # without the query: it carries phones and ID numbers (OpenTelemetry advises
        # leaving out what is sensitive); the path names the resource
        "url.full": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        "server.address": parts.hostname or "",
        "peer.service": peer,
    }
    if parts.port:
        attributes["server.port"] = parts.port
    with _tracer.start_as_current_span(
        method, kind=SpanKind.CLIENT, attributes=attributes, set_status_on_exception=False
    ) as span:
        try:
            yield ClientCall(span)
        except Exception as exc:
            span.set_attribute("error.type", type(exc).__qualname__)
            span.set_status(Status(StatusCode.ERROR, repr(exc)[:200]))
            raise
