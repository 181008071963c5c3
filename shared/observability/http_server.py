"""The SERVER span and request metrics of every service's HTTP API.

Span and attribute names follow OpenTelemetry's HTTP server conventions: the
span is ``{method} {route}`` once the route is known, continuing the caller's
``traceparent``; ``http.server.request.duration`` records every request but the
health probes and the metrics scrape, which would drown the real traffic.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

from shared.observability.instruments import instruments
from shared.telemetry import context_from, tracer

UNOBSERVED_PATHS = frozenset({"/health", "/metrics"})


def _route_of(request: Request) -> str | None:
    matched = request.scope.get("route")
    path = getattr(matched, "path", None)
    return path if isinstance(path, str) else None


def _request_attributes(request: Request) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "http.request.method": request.method,
        "url.path": request.url.path,
        "url.scheme": request.url.scheme,
        "network.protocol.version": request.scope.get("http_version", "1.1"),
    }
    server = request.scope.get("server")
    if server:
        attributes["server.address"], attributes["server.port"] = server[0], server[1] or 0
    if request.client is not None:
        attributes["client.address"] = request.client.host
    if "user-agent" in request.headers:
        attributes["user_agent.original"] = request.headers["user-agent"]
    return attributes


class TracingMiddleware(BaseHTTPMiddleware):
    """A SERVER span per request, continuing the caller's ``traceparent``, and its duration."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path in UNOBSERVED_PATHS:
            return await call_next(request)
        started = time.perf_counter()
        status = 500
        with tracer("kefu.http").start_as_current_span(
            request.method,
            context=context_from(dict(request.headers)),
            kind=SpanKind.SERVER,
            attributes=_request_attributes(request),
        ) as span:
            try:
                response = await call_next(request)
                status = response.status_code
                return response
            finally:
                route = _route_of(request)
                if route is not None:
                    span.update_name(f"{request.method} {route}")
                    span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_attribute("error.type", str(status))
                    span.set_status(Status(StatusCode.ERROR))
                attrs: dict[str, str | int] = {
                    "http.request.method": request.method,
                    "http.response.status_code": status,
                }
                if route is not None:
                    attrs["http.route"] = route
                instruments().http_server_duration.record(time.perf_counter() - started, attrs)
