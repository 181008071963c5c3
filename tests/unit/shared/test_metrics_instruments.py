"""Each instrument family records what docs/observability.md promises, by the contract names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from services.refund import background
from services.refund.background import register_gauges, sample_steps_due
from services.refund.settings import RefundSettings
from services.refund.store import deadlines
from services.voucher.app import outcomes_known
from shared import metrics
from shared.contracts import VOUCHER_ISSUED
from shared.devstack.broker import free_port, port_open
from shared.http import make_app, metrics_listener
from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.observability import messaging
from shared.observability.instruments import Gauge, Instruments, use_meter
from shared.settings import Settings


@pytest.fixture
def reader() -> Iterator[InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    with use_meter(MeterProvider(metric_readers=[reader]).get_meter("kefu")):
        yield reader


def points(reader: InMemoryMetricReader, name: str) -> list[Any]:
    data = reader.get_metrics_data()
    found: list[Any] = []
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    found += list(metric.data.data_points)
    return found


def by_attrs(found: list[Any]) -> dict[frozenset[tuple[str, Any]], Any]:
    return {frozenset(p.attributes.items()): p for p in found}


async def test_http_requests_by_method_route_and_status_but_not_probes(
    reader: InMemoryMetricReader,
) -> None:
    app = make_app("t", "t", None)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/things/1")).status_code == 200
        assert (await client.get("/things/2")).status_code == 200
        assert (await client.get("/things/x")).status_code == 422
        assert (await client.get("/health")).status_code == 200
        await client.get("/metrics")

    found = by_attrs(points(reader, "http.server.request.duration"))
    ok = found[
        frozenset(
            {
                ("http.request.method", "GET"),
                ("http.route", "/things/{thing_id}"),
                ("http.response.status_code", 200),
            }
        )
    ]
    assert ok.count == 2 and ok.sum > 0
    bad = found[
        frozenset(
            {
                ("http.request.method", "GET"),
                ("http.route", "/things/{thing_id}"),
                ("http.response.status_code", 422),
            }
        )
    ]
    assert bad.count == 1
    assert len(found) == 2, "health probes and scrapes are not request traffic"


def test_message_handling_by_topic_group_and_outcome(reader: InMemoryMetricReader) -> None:
    started = 0.0  # perf_counter's epoch: the recorded time is simply large and positive
    messaging.processed("voucher.issued.v1", "kefu-voucher.ingest", "ok", started, 3)
    messaging.processed("voucher.issued.v1", "kefu-voucher.ingest", "dlq", started)
    found = by_attrs(points(reader, "messaging.process.duration"))
    base = {
        ("messaging.destination.name", "voucher.issued.v1"),
        ("messaging.consumer.group.name", "kefu-voucher.ingest"),
    }
    assert found[frozenset(base | {("kefu.outcome", "ok")})].count == 3
    assert found[frozenset(base | {("kefu.outcome", "dlq")})].count == 1


def test_dead_letters_counted_by_dlq_topic_and_reason_code(reader: InMemoryMetricReader) -> None:
    messaging.dead_lettered("voucher.issued.v1.dlq", "invalid_payload")
    messaging.dead_lettered("voucher.issued.v1.dlq", "void_failed: the issuer said no to 123")
    messaging.dead_lettered("voucher.issued.v1.dlq", "void_failed: the issuer said no to 456")
    found = by_attrs(points(reader, "kefu.dlq.messages"))
    topic = ("messaging.destination.name", "voucher.issued.v1.dlq")
    assert found[frozenset({topic, ("kefu.dlq.reason", "invalid_payload")})].value == 1
    assert found[frozenset({topic, ("kefu.dlq.reason", "void_failed")})].value == 2
    assert len(found) == 2, "the reason's free text must not become a label"


def test_gauges_show_the_latest_sample_and_drop_what_is_gone(
    reader: InMemoryMetricReader,
) -> None:
    from shared.observability.instruments import instruments

    gauges = instruments()
    lag = {"messaging.destination.name": "t", "messaging.consumer.group.name": "g"}
    gauges.consumer_lag.replace(
        "g",
        [
            ({**lag, "messaging.destination.partition.id": "0"}, 7),
            ({**lag, "messaging.destination.partition.id": "1"}, 0),
        ],
    )
    gauges.outbox_backlog.set("voucher", 12)
    gauges.outbox_oldest_age.set("voucher", 3.5)
    gauges.parked_messages.set("voucher", 2, {"messaging.consumer.group.name": "g"})
    assert {
        p.attributes["messaging.destination.partition.id"]: p.value
        for p in points(reader, "kefu.consumer.lag")
    } == {"0": 7, "1": 0}
    assert [p.value for p in points(reader, "kefu.outbox.backlog")] == [12]
    assert [p.value for p in points(reader, "kefu.outbox.oldest.age")] == [3.5]
    assert [p.value for p in points(reader, "kefu.parked.messages")] == [2]

    gauges.consumer_lag.replace("g", [({**lag, "messaging.destination.partition.id": "1"}, 4)])
    assert [p.value for p in points(reader, "kefu.consumer.lag")] == [4]
    gauges.consumer_lag.forget("g")
    assert points(reader, "kefu.consumer.lag") == []


def test_sagas_operations_and_breaches(reader: InMemoryMetricReader) -> None:
    metrics.saga_finished("reversal", "succeeded", 1.25)
    metrics.saga_finished("reversal", "failed", 40.0)
    metrics.operation_finished("void", "failed", "void_failed")
    metrics.operation_finished("void", "succeeded")
    metrics.sla_breached("finance_review")
    sagas = by_attrs(points(reader, "kefu.saga.duration"))
    done = sagas[frozenset({("kefu.saga", "reversal"), ("kefu.outcome", "succeeded")})]
    assert (done.count, done.sum) == (1, 1.25)
    failed = sagas[frozenset({("kefu.saga", "reversal"), ("kefu.outcome", "failed")})]
    assert failed.explicit_bounds[-1] >= 40.0, "saga buckets reach beyond HTTP's 10 s"
    ops = by_attrs(points(reader, "kefu.operations"))
    assert (
        ops[
            frozenset(
                {
                    ("kefu.operation", "void"),
                    ("kefu.outcome", "failed"),
                    ("kefu.failure", "void_failed"),
                }
            )
        ].value
        == 1
    )
    assert (
        ops[
            frozenset(
                {
                    ("kefu.operation", "void"),
                    ("kefu.outcome", "succeeded"),
                    ("kefu.failure", "none"),
                }
            )
        ].value
        == 1
    )
    assert [p.value for p in points(reader, "kefu.sla.breaches")] == [1]


def test_prometheus_names_are_the_contracts() -> None:
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    reader = PrometheusMetricReader(scope_info_enabled=False, registry=registry)
    with use_meter(MeterProvider(metric_readers=[reader]).get_meter("kefu")) as made:
        record_one_of_each(made)
        text = generate_latest(registry).decode()
    for name in (
        "http_server_request_duration_seconds_bucket",
        "http_server_request_duration_seconds_count",
        "messaging_process_duration_seconds_sum",
        "kefu_consumer_lag{",
        "kefu_outbox_backlog ",
        "kefu_outbox_oldest_age_seconds ",
        "kefu_dlq_messages_total{",
        "kefu_parked_messages{",
        "kefu_saga_duration_seconds_bucket",
        "kefu_operations_total{",
        "kefu_sla_breaches_total{",
    ):
        assert f"\n{name}" in text, name
    assert 'kefu_outcome="ok"' in text and 'messaging_destination_partition_id="0"' in text


def record_one_of_each(made: Instruments) -> None:
    made.http_server_duration.record(
        0.1, {"http.request.method": "GET", "http.route": "/x", "http.response.status_code": 200}
    )
    messaging.processed("t", "g", "ok", 0.0)
    messaging.dead_lettered("t.dlq", "invalid_payload")
    made.consumer_lag.set(
        "g",
        1,
        {
            "messaging.destination.name": "t",
            "messaging.destination.partition.id": "0",
            "messaging.consumer.group.name": "g",
        },
    )
    made.outbox_backlog.set("s", 1)
    made.outbox_oldest_age.set("s", 1.0)
    made.parked_messages.set("s", 1, {"messaging.consumer.group.name": "g"})
    metrics.saga_finished("reversal", "succeeded", 1.0)
    metrics.operation_finished("void", "succeeded")
    metrics.sla_breached("filing")


async def test_metrics_are_served_on_their_own_port_never_on_the_apis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shared.telemetry

    monkeypatch.setattr(shared.telemetry, "_metrics_on", True)
    app = make_app("t", "t", None)

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"pong": True}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/metrics")).status_code == 404  # not on the API's port
        assert (await client.get("/ping")).json() == {"pong": True}
    async with metrics_listener("127.0.0.1", free_port()) as port:
        assert port is not None
        async with httpx.AsyncClient() as scraper:
            on = await scraper.get(f"http://127.0.0.1:{port}/metrics")
    assert on.status_code == 200 and on.headers["content-type"].startswith("text/plain")
    assert "python_info" in on.text or "# HELP" in on.text
    assert not port_open("127.0.0.1", port)  # closed with the service


async def test_metrics_off_opens_no_port(monkeypatch: pytest.MonkeyPatch) -> None:
    import shared.telemetry

    monkeypatch.setattr(shared.telemetry, "_metrics_on", False)
    wanted = free_port()
    async with metrics_listener("127.0.0.1", wanted) as port:
        assert port is None and not port_open("127.0.0.1", wanted)


def test_setup_metrics_is_a_no_op_when_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import shared.telemetry

    monkeypatch.setattr(shared.telemetry, "_metrics_on", False)
    assert shared.telemetry.setup_metrics("voucher", Settings(metrics=False)) is False
    assert shared.telemetry.metrics_enabled() is False


def test_each_consumed_topics_dead_letters_start_at_zero(reader: InMemoryMetricReader) -> None:
    from shared.settings import Settings

    async def handler(conn: Any, env: Any) -> None:
        return None

    runtime = ConsumerRuntime("voucher", None, None, Settings())
    runtime.add(Subscription(VOUCHER_ISSUED, handler, name="voucher-issued"))
    found = by_attrs(points(reader, "kefu.dlq.messages"))
    for reason in ("invalid_headers", "invalid_payload", "retries_exhausted"):
        key = frozenset(
            {
                ("messaging.destination.name", "voucher.issued.v1.dlq"),
                ("kefu.dlq.reason", reason),
            }
        )
        assert found[key].value == 0


async def test_the_steps_due_gauge_has_every_step_and_window_even_at_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def due_counts(*_: Any) -> dict[str, dict[str, int]]:
        return {"finance": {"due_soon": 2, "overdue": 1}}

    monkeypatch.setattr(deadlines, "due_counts", due_counts)
    # a gauge of its own: the process-wide one also holds what earlier tests' services sampled
    monkeypatch.setattr(background, "STEPS_DUE", Gauge())
    deps = SimpleNamespace(
        now=lambda: datetime.now(UTC), settings=RefundSettings(), pool=None, source="/kefu/test"
    )
    await sample_steps_due(deps)  # type: ignore[arg-type]
    seen = {
        (a["kefu.step"], a["kefu.window"]): o.value
        for o in background.STEPS_DUE.observe(None)  # type: ignore[arg-type]
        for a in [dict(o.attributes or {})]
    }
    background.STEPS_DUE.forget("/kefu/test")
    assert seen == {
        ("filing", "due_soon"): 0,
        ("filing", "overdue"): 0,
        ("submission_to_finance", "due_soon"): 0,
        ("submission_to_finance", "overdue"): 0,
        ("finance", "due_soon"): 2,
        ("finance", "overdue"): 1,
    }


def test_every_time_limit_and_every_void_and_reversal_outcome_starts_at_zero(
    reader: InMemoryMetricReader,
) -> None:

    register_gauges()
    outcomes_known()
    breaches = {
        dict(p.attributes)["kefu.step"]: p.value for p in points(reader, "kefu.sla.breaches")
    }
    assert breaches == {
        step: 0
        for step in (
            "filing",
            "submission_to_finance",
            "finance",
            "aftersales_review",
            "aftersales_receipt",
            "aftersales_processing",
        )
    }
    operations = {
        (a["kefu.operation"], a["kefu.outcome"], a["kefu.failure"]): p.value
        for p in points(reader, "kefu.operations")
        for a in [dict(p.attributes)]
    }
    assert operations[("void", "failed", "void_failed")] == 0
    assert operations[("reversal", "failed", "points_refund_failed")] == 0
    assert operations[("reversal", "succeeded", "none")] == 0
    assert set(operations.values()) == {0}


async def test_the_metrics_port_is_served_by_the_event_loop_not_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread of its own woke twice a second in every idle service (bench.idle)."""
    import threading

    import shared.telemetry

    monkeypatch.setattr(shared.telemetry, "_metrics_on", True)
    threads = threading.active_count()
    async with metrics_listener("127.0.0.1", free_port()) as port:
        assert threading.active_count() == threads
        async with httpx.AsyncClient() as scraper:
            other = await scraper.get(f"http://127.0.0.1:{port}/api")
            scraped = await scraper.get(f"http://127.0.0.1:{port}/metrics")
    assert other.status_code == 404
    assert scraped.status_code == 200 and "# HELP" in scraped.text
