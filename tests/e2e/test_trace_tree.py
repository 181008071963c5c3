"""One trace for a reversal, from the agent's request to the customer's in-app note.

The back office runs as processes (the Stack ``kefu up`` runs) exporting spans over
OTLP/HTTP to a small receiver in this test, which decodes ExportTraceServiceRequest
and keeps the spans. Its own PostgreSQL and broker, so its consumer groups and
databases are apart from the package's stack; it runs with ``KEFU_METRICS=false``,
so it also shows the back office working with metrics off. The tree asserted:

gateway SERVER → gateway CLIENT → voucher SERVER → (issuer CLIENT, send points request)
→ points process → (points provider CLIENT, send result) → voucher process
→ send in-app request → notify process.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.otlp_receiver import Receiver, Span, receiving
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    POINTS_REVERSAL_REQUESTED,
    POINTS_REVERSAL_RESULT,
)
from shared.devstack.broker import EmbeddedBroker, free_port, free_service_ports, port_open
from shared.devstack.stack import Stack
from shared.settings import SERVICES, Settings
from tests.e2e.helpers import Agent, Platform, order
from tests.infra import FAST_TIMINGS, eventually

pytestmark = pytest.mark.e2e
PASSWORD = "trace-" + secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


@pytest.fixture(scope="module")
def traced_stack(receiver: Receiver) -> Iterator[Stack]:
    # not under pytest's tmp folder: that is root-only (0700), and the embedded
    # PostgreSQL runs as its own system user when the tests run as root
    home = Path(tempfile.mkdtemp(prefix="kefu-trace-"))
    broker = EmbeddedBroker(free_port(), home / "broker.log")
    broker.start()
    ports: dict[str, Any] = free_service_ports(SERVICES)
    settings = Settings(
        **{
            **FAST_TIMINGS,
            **ports,
            "home": home,
            "database_url": None,  # its own embedded PostgreSQL under home
            "kafka_bootstrap": broker.bootstrap,
            "demo_password": PASSWORD,
            "otlp_endpoint": receiver.endpoint,
            "span_flush_delay_ms": 100,
            "metrics": False,  # and the back office runs with metrics switched off
            "log_json": True,
        }
    )
    stack = Stack(settings, services=SERVICES, out=print, health_timeout=90.0)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        broker.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
async def agent(traced_stack: Stack) -> AsyncIterator[Agent]:
    async with httpx.AsyncClient(base_url=traced_stack.gateway_url, timeout=15.0) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"username": "agent", "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        yield Agent(client)


def one(spans: list[Span], service: str, name: str, kind: str) -> Span:
    found = [s for s in spans if (s.service, s.name, s.kind) == (f"kefu-{service}", name, kind)]
    assert len(found) == 1, f"{service} {kind} {name!r}: {len(found)} in {describe(spans)}"
    return found[0]


def describe(spans: list[Span]) -> str:
    return "\n".join(f"{s.service} {s.kind} {s.name} {s.span_id}<-{s.parent_id}" for s in spans)


def ancestors(span: Span, spans: list[Span]) -> list[Span]:
    """The span's parents up to the root, nearest first; fails on a missing link."""
    by_id = {s.span_id: s for s in spans}
    chain: list[Span] = []
    while span.parent_id:
        assert span.parent_id in by_id, f"{span.name}: parent {span.parent_id} never exported"
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


async def test_one_trace_from_the_agent_to_the_in_app_note(
    agent: Agent, traced_stack: Stack, receiver: Receiver
) -> None:
    assert traced_stack.infra is not None
    issued = order(vouchers=2)
    await Platform(traced_stack.infra.kafka_bootstrap).issue(issued)
    await agent.arrived(issued)
    route = "/api/v1/orders/{merchant_order_no}/reversal"
    response = await agent.post(
        f"/api/v1/orders/{issued.merchant_order_no}/reversal", {"reason": "客户申请返销"}
    )
    assert response.status_code in (200, 202), response.text
    final = await agent.finished(response.json()["operation_id"])
    assert final["status"] == "succeeded", final

    def root() -> Span | None:
        with receiver.lock:
            spans = list(receiver.spans)
        for s in spans:
            if (
                s.kind == "server"
                and s.attributes.get("url.path", "").endswith(
                    f"/orders/{issued.merchant_order_no}/reversal"
                )
                and s.service == "kefu-gateway"
            ):
                return s
        return None

    expected = {
        ("kefu-gateway", "client", "POST"),
        ("kefu-voucher", "server", "POST /orders/{merchant_order_no}/reversal"),
        ("kefu-voucher", "producer", f"send {POINTS_REVERSAL_REQUESTED.name}"),
        ("kefu-points", "consumer", f"process {POINTS_REVERSAL_REQUESTED.name}"),
        ("kefu-points", "client", "points provider refund"),
        ("kefu-points", "producer", f"send {POINTS_REVERSAL_RESULT.name}"),
        ("kefu-voucher", "consumer", f"process {POINTS_REVERSAL_RESULT.name}"),
        ("kefu-voucher", "producer", f"send {NOTIFY_INAPP_REQUESTED.name}"),
        ("kefu-notify", "consumer", f"process {NOTIFY_INAPP_REQUESTED.name}"),
    }

    async def last_effect() -> list[Span] | None:
        # each process exports on its own schedule: wait for every expected span
        top = root()
        if top is None:
            return None
        spans = receiver.of_trace(top.trace_id)
        return spans if expected <= {(s.service, s.kind, s.name) for s in spans} else None

    spans = await eventually(last_effect, within=30, what="every span of the reversal exported")
    top = root()
    assert top is not None and top.name == f"POST {route}" and top.parent_id == ""
    assert top.attributes["http.route"] == route
    assert top.attributes["http.response.status_code"] == response.status_code

    forward = one(spans, "gateway", "POST", "client")
    assert forward.attributes["peer.service"] == "voucher"
    assert forward.attributes["server.port"] == traced_stack.settings.voucher_port
    served = one(spans, "voucher", "POST /orders/{merchant_order_no}/reversal", "server")
    # the order's two vouchers voided in one call to the issuer
    issuer = one(spans, "voucher", "lottery_issuer void", "client")
    assert issuer.attributes["kefu.voided"] == 2
    ask = one(spans, "voucher", f"send {POINTS_REVERSAL_REQUESTED.name}", "producer")
    asked = one(spans, "points", f"process {POINTS_REVERSAL_REQUESTED.name}", "consumer")
    refund = one(spans, "points", "points provider refund", "client")
    answer = one(spans, "points", f"send {POINTS_REVERSAL_RESULT.name}", "producer")
    answered = one(spans, "voucher", f"process {POINTS_REVERSAL_RESULT.name}", "consumer")
    note = one(spans, "voucher", f"send {NOTIFY_INAPP_REQUESTED.name}", "producer")
    noted = one(spans, "notify", f"process {NOTIFY_INAPP_REQUESTED.name}", "consumer")

    # parent links all the way, in this order
    chain = [s.span_id for s in ancestors(noted, spans)]
    path = [note, answered, answer, asked, ask, served, forward, top]
    positions = [chain.index(s.span_id) for s in path]
    assert positions == sorted(positions), describe(spans)
    assert {s.span_id for s in ancestors(refund, spans)} >= {
        asked.span_id,
        ask.span_id,
        served.span_id,
    }
    assert served.span_id in {s.span_id for s in ancestors(issuer, spans)}

    for producer, consumer in ((ask, asked), (answer, answered), (note, noted)):
        topic = producer.name.removeprefix("send ")
        assert consumer.parent_id == producer.span_id
        assert producer.attributes["messaging.system"] == "kafka"
        assert producer.attributes["messaging.operation.type"] == "send"
        assert producer.attributes["messaging.destination.name"] == topic
        assert producer.attributes["messaging.kafka.message.key"]
        assert consumer.attributes["messaging.system"] == "kafka"
        assert consumer.attributes["messaging.operation.type"] == "process"
        assert consumer.attributes["messaging.destination.name"] == topic
        # one consumer group per service (group_id): its name is the service's own
        assert consumer.attributes["messaging.consumer.group.name"] == consumer.service
        assert (
            consumer.attributes["messaging.destination.partition.id"]
            == producer.attributes["messaging.destination.partition.id"]
        )
        assert (
            consumer.attributes["messaging.kafka.offset"]
            == (producer.attributes["messaging.kafka.offset"])
        )
        assert (
            consumer.attributes["messaging.kafka.message.key"]
            == (producer.attributes["messaging.kafka.message.key"])
        )
    async with httpx.AsyncClient() as probe:
        metrics_port = traced_stack.settings.metrics_port_of("voucher")
        assert not port_open("127.0.0.1", metrics_port)  # metrics off: no port for them
        api = await probe.get(f"{traced_stack.settings.url_of('voucher')}/metrics")
        assert api.status_code == 401  # never on the API's port
    for voucher in issued.vouchers:  # the operation records name the trace
        [record] = await agent.operations(voucher.code)
        assert record["trace_id"] == top.trace_id, record
    for name in ("gateway", "voucher", "points", "notify"):  # JSON lines, with trace ids
        lines = (traced_stack.logs / f"{name}.log").read_text(errors="replace").splitlines()
        events = [json.loads(line) for line in lines if not line.startswith("--- kefu up")]
        assert events and all(e["service"] == name for e in events), name
        assert all(len(e["trace_id"]) == 32 for e in events if "trace_id" in e)
    sql = [s for s in spans if s.attributes.get("db.system.name") == "postgresql"]
    assert {s.service for s in sql} >= {"kefu-voucher", "kefu-points", "kefu-notify"}
    assert all(s.kind == "client" and s.attributes.get("db.query.text") for s in sql)
