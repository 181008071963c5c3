"""Span names and attributes follow OpenTelemetry's conventions (HTTP server and client,
SQL); the whole tree across processes is tests/e2e/test_trace_tree.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import SecretStr

from shared.errors import DomainError
from shared.http import make_app
from shared.internal_auth import require_internal_calls
from shared.observability.db import describe
from shared.observability.http_client import client_call, redacted
from shared.settings import Settings
from shared.telemetry import JsonFormatter
from tests.internal_calls import SignedLikeTheGateway

_exporter = InMemorySpanExporter()


def _install() -> None:
    """One tracer provider per process (OpenTelemetry allows no other): ours, or the one set."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.add_span_processor(SimpleSpanProcessor(_exporter))


_install()

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    _exporter.clear()
    yield _exporter
    _exporter.clear()


def only(spans: InMemorySpanExporter, kind: SpanKind) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if s.kind is kind]


async def test_server_span_is_method_and_route_continuing_the_caller(
    spans: InMemorySpanExporter,
) -> None:
    app = make_app("t", "t", None)

    @app.post("/orders/{order_no}/reversal")
    async def reverse(order_no: str) -> dict[str, str]:
        return {"order": order_no}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc:8101") as client:
        response = await client.post("/orders/M1/reversal", headers={"traceparent": CALLER})
        assert response.status_code == 200
        await client.get("/health")

    [server] = only(spans, SpanKind.SERVER)
    assert server.name == "POST /orders/{order_no}/reversal"
    attrs = dict(server.attributes or {})
    assert attrs["http.request.method"] == "POST"
    assert attrs["http.route"] == "/orders/{order_no}/reversal"
    assert attrs["url.path"] == "/orders/M1/reversal"
    assert attrs["http.response.status_code"] == 200
    assert attrs["url.scheme"] == "http"
    assert server.context.trace_id == 0x4BF92F3577B34DA6A3CE929D0E0E4736
    assert server.parent is not None and server.parent.span_id == 0x00F067AA0BA902B7


async def test_client_span_carries_its_own_context_to_the_callee(
    spans: InMemorySpanExporter,
) -> None:
    seen: dict[str, str] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen.update(request.headers)
        return httpx.Response(503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        with client_call("POST", "http://127.0.0.1:8101/vouchers/x/void", peer="voucher") as call:
            response = await client.post(
                "http://127.0.0.1:8101/vouchers/x/void", headers=call.headers()
            )
            call.answered(response.status_code)

    [client_span] = only(spans, SpanKind.CLIENT)
    assert client_span.name == "POST"
    attrs = dict(client_span.attributes or {})
    assert attrs["server.address"] == "127.0.0.1" and attrs["server.port"] == 8101
    assert attrs["url.full"] == "http://127.0.0.1:8101/vouchers/x/void"
    assert attrs["http.response.status_code"] == 503 and attrs["error.type"] == "503"
    assert client_span.status.status_code is StatusCode.ERROR
    assert seen["traceparent"].split("-")[2] == format(client_span.context.span_id, "016x")


def test_sql_spans_are_named_by_operation_and_table() -> None:
    assert describe("INSERT INTO outbox (ce_id) VALUES ($1)") == ("INSERT", "outbox")
    assert describe("SELECT * FROM reversal_sagas s JOIN orders o ON true") == (
        "SELECT",
        "reversal_sagas",
    )
    assert describe("  update parked_messages SET attempts = 1") == ("UPDATE", "parked_messages")
    assert describe("SELECT pg_notify($1, '')") == ("SELECT", None)


def test_a_client_span_keeps_no_query_value() -> None:
    url = "http://127.0.0.1:8104/refunds/forms?phone=13800138000&customer_name=%E7%8E%8B&limit=5"
    assert redacted(url) == (
        "http://127.0.0.1:8104/refunds/forms?phone=REDACTED&customer_name=REDACTED&limit=REDACTED"
    )
    assert (
        redacted("http://127.0.0.1:8101/vouchers/x/void") == "http://127.0.0.1:8101/vouchers/x/void"
    )


class _Lines(logging.Handler):
    """What a service writes to its log, as the JSON formatter writes it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter("t"))
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


async def test_every_command_logs_one_info_line_with_its_outcome_and_trace_id(
    spans: InMemorySpanExporter,
) -> None:
    app = make_app("t", "t", None)

    @app.post("/vouchers/{code}/void")
    async def void(code: str) -> dict[str, str]:
        if code == "used":
            raise DomainError("the voucher was used", code="not_available")
        return {"code": code}

    @app.get("/vouchers/{code}")
    async def read(code: str) -> dict[str, str]:
        return {"code": code}

    # the actor comes from the gateway's verified token, never from a header a caller sends
    settings = Settings(internal_secret=SecretStr("k" * 48), log_json=False)
    require_internal_calls(app, "voucher", settings)
    lines = _Lines()
    logging.getLogger("kefu.commands").addHandler(lines)
    logging.getLogger("kefu.commands").setLevel(logging.INFO)
    try:
        transport = httpx.ASGITransport(app=app)
        signed = SignedLikeTheGateway.for_app(app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://svc", auth=signed
        ) as client:
            headers = {"X-Kefu-Actor": "agent", "traceparent": CALLER}
            assert (await client.post("/vouchers/v1/void", headers=headers)).status_code == 200
            assert (await client.post("/vouchers/used/void")).status_code == 409
            assert (await client.get("/vouchers/v1")).status_code == 200  # a query: no line
    finally:
        logging.getLogger("kefu.commands").removeHandler(lines)
    done, refused = lines.lines
    assert (done["level"], done["message"]) == ("info", "POST /vouchers/{code}/void succeeded")
    assert (done["outcome"], done["status"], done["actor"]) == ("succeeded", 200, "agent")
    assert done["trace_id"] == CALLER.split("-")[1]  # the request's own trace
    assert "actor" not in refused  # nobody acting: the token names no one
    assert (refused["outcome"], refused["status"], refused["code"]) == (
        "refused",
        409,
        "not_available",
    )
    assert refused["trace_id"] and refused["trace_id"] != done["trace_id"]
