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


def redacted(url: str) -> str:
    """The URL with every query value replaced: a filter such as ``phone=`` or
    ``customer_name=`` names a customer, and spans are kept and shown like logs."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    names = [pair.split("=", 1)[0] for pair in parts.query.split("&") if pair]
    return urlunsplit(parts._replace(query="&".join(f"{n}=REDACTED" for n in names)))


@contextmanager
def client_call(method: str, url: str, *, peer: str) -> Iterator[ClientCall]:
    parts = urlsplit(url)
    attributes: dict[str, str | int] = {
        "http.request.method": method,
        "url.full": redacted(url),
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
