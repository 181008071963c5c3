"""PromQL parsed by Prometheus's grammar (promql-parser): the metrics and labels it uses."""

from __future__ import annotations

import re
from typing import Any

import promql_parser

# The contract with the code (docs/observability.md): OpenTelemetry instrument names
# as the OpenTelemetry Prometheus exporter exposes them, plus Prometheus's own `up`.
HISTOGRAMS = (
    "http_server_request_duration_seconds",
    "messaging_process_duration_seconds",
    "kefu_saga_duration_seconds",
)
METRICS = frozenset(
    [f"{h}_{suffix}" for h in HISTOGRAMS for suffix in ("bucket", "count", "sum")]
    + [
        "kefu_consumer_lag",
        "kefu_consumer_failing_seconds",
        "kefu_consumer_rejoins_total",
        "kefu_outbox_backlog",
        "kefu_outbox_oldest_age_seconds",
        "kefu_dlq_messages_total",
        "kefu_parked_messages",
        "kefu_operations_total",
        "kefu_sla_breaches_total",
        "kefu_refund_steps_due",
        "kefu_auth_events_total",
        "up",
        # kafka-exporter's (deploy/compose): lag as the brokers see it
        "kafka_consumergroup_lag",
    ]
)
LABELS = frozenset(
    {
        "job",
        "instance",
        "le",
        "http_request_method",
        "http_route",
        "http_response_status_code",
        "messaging_destination_name",
        "messaging_destination_partition_id",
        "messaging_consumer_group_name",
        "kefu_outcome",
        "kefu_dlq_reason",
        "kefu_saga",
        "kefu_operation",
        "kefu_failure",
        "kefu_step",
        "kefu_window",
        "consumergroup",
        "topic",
        "kefu_event",
    }
)
# Grafana's variables, replaced by values of the same kind before parsing
_GRAFANA = (
    (re.compile(r"\$__(rate_interval|range|interval)\b"), "5m"),
    (re.compile(r"\$\w+"), "x"),
)


def parse(expr: str) -> Any:
    """The expression's syntax tree (Prometheus's grammar); ValueError when it is not PromQL."""
    for pattern, value in _GRAFANA:
        expr = pattern.sub(value, expr)
    return promql_parser.parse(expr)


def metrics_and_labels(expr: str) -> tuple[set[str], set[str]]:
    """The metric names and the label names ``expr`` refers to."""
    metrics: set[str] = set()
    labels: set[str] = set()

    def visit(node: Any) -> None:
        kind = type(node).__name__
        if kind == "VectorSelector":
            if node.name:
                metrics.add(node.name)
            labels.update(m.name for m in node.matchers.matchers if m.name != "__name__")
        elif kind == "AggregateExpr" and node.modifier is not None:
            labels.update(node.modifier.labels)
        elif kind == "BinaryExpr" and node.modifier is not None:
            if node.modifier.matching is not None:
                labels.update(node.modifier.matching.labels)
            labels.update(getattr(node.modifier, "group_labels", None) or ())

    promql_parser.walk(parse(expr), visit)
    return metrics, labels
