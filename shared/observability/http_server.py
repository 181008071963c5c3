"""The SERVER span and request metrics of every service's HTTP API.

Span and attribute names follow OpenTelemetry's HTTP server conventions: the
span is ``{method} {route}`` once the route is known, continuing the caller's
``traceparent``; ``http.server.request.duration`` records every request but the
health probes and the metrics scrape, which would drown the real traffic.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability.instruments import instruments
from shared.telemetry import context_from, tracer

ACTOR_SCOPE_KEY = "kefu.actor"
"""Who a request acts for, once verified (the gateway's sign-in, a service's gateway token):
the command log line names them. Never a header a caller could send."""

UNOBSERVED_PATHS = frozenset({"/health", "/metrics"})
QUERIES = frozenset({"GET", "HEAD", "OPTIONS"})
commands = logging.getLogger("kefu.commands")


def error_code(body: bytes) -> str | None:
    """The ``code`` of an error answer (``{"code": ..., "message": ...}``), if it is one."""
    try:
        code = json.loads(body).get("code") if body[:1] == b"{" else None
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) else None


def log_command(
    scope: Scope,
    headers: Headers,
    route: str | None,
    status: int,
    code: str | None,
    started: float,
) -> None:
    """One INFO line per command (any request but a query): what, for whom, and how it ended.
    The JSON formatter adds the trace id: this runs inside the request's span."""
    outcome = "succeeded" if status < 400 else "refused" if status < 500 else "failed"
    what = f"{scope['method']} {route or scope['path']}"
    fields: dict[str, Any] = {
        "command": what,
        "status": status,
        "outcome": outcome,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    if code is not None:
        fields["code"] = code
    actor = scope.get(ACTOR_SCOPE_KEY)
    if actor:
        fields["actor"] = actor
    commands.info(f"{what} {outcome}", extra={"fields": fields})


def _route_of(scope: Scope) -> str | None:
    """The matched route's template (``/orders/{merchant_order_no}/reversal``); the router
    writes it into the shared scope while it handles the request."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else None


def _request_attributes(scope: Scope, headers: Headers) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "http.request.method": scope["method"],
        "url.path": scope["path"],
        "url.scheme": scope.get("scheme", "http"),
        "network.protocol.version": scope.get("http_version", "1.1"),
    }
    server = scope.get("server")
    if server:
        attributes["server.address"], attributes["server.port"] = server[0], server[1] or 0
    client = scope.get("client")
    if client:
        attributes["client.address"] = client[0]
    if "user-agent" in headers:
        attributes["user_agent.original"] = headers["user-agent"]
    return attributes


class TracingMiddleware:
    """A SERVER span per request, continuing the caller's ``traceparent``, and its duration.

    Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``, which runs the app in a
    task group behind memory streams: a sixth of a busy service's CPU for the same span.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNOBSERVED_PATHS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        headers = Headers(scope=scope)
        status, code = 500, None

        async def send_noting_status(message: Message) -> None:
            nonlocal status, code
            if message["type"] == "http.response.start":
                status = message["status"]
            elif status >= 400 and code is None and method not in QUERIES:
                code = error_code(message.get("body", b""))
            await send(message)

        with tracer("kefu.http").start_as_current_span(
            method,
            context=context_from(headers),
            kind=SpanKind.SERVER,
            attributes=_request_attributes(scope, headers),
        ) as span:
            try:
                await self.app(scope, receive, send_noting_status)
            finally:
                route = _route_of(scope)
                if route is not None:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_attribute("error.type", str(status))
                    span.set_status(Status(StatusCode.ERROR))
                attrs: dict[str, str | int] = {
                    "http.request.method": method,
                    "http.response.status_code": status,
                }
                if route is not None:
                    attrs["http.route"] = route
                instruments().http_server_duration.record(time.perf_counter() - started, attrs)
                if method not in QUERIES:
                    log_command(scope, headers, route, status, code, started)
