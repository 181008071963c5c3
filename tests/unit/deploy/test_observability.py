"""Dashboards and alert rules: they parse, use only the metrics the code emits, and every
alert leads to its runbook entry."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.deploy.paths import DEPLOY, ROOT, RUNBOOK, service_names
from tests.unit.deploy.promql import LABELS, METRICS, metrics_and_labels

DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
ALERTS = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
RULES = [rule for group in ALERTS["groups"] for rule in group["rules"]]


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found += panel.get("panels", [])
    return found


def exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in panels(dashboard) for t in p.get("targets", [])]


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    found = set()
    for line in markdown.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return found


def test_the_four_dashboards_exist_and_parse() -> None:
    loaded = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in DASHBOARDS}
    assert set(loaded) == {"overview", "kafka-outbox", "time-limits", "http"}
    uids = [d["uid"] for d in loaded.values()]
    assert len(set(uids)) == len(uids)
    for name, dashboard in loaded.items():
        assert dashboard["title"].startswith("Kefu"), name
        ids = [p["id"] for p in panels(dashboard)]
        assert len(set(ids)) == len(ids), name
        for panel in panels(dashboard):
            if panel["type"] != "row":
                assert panel["targets"] and panel["datasource"]["uid"] == "${datasource}"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_queries_use_only_emitted_metrics_and_labels(path: Path) -> None:
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    for expr in exprs(dashboard):
        metrics, labels = metrics_and_labels(expr)
        assert metrics and metrics <= METRICS, (expr, metrics - METRICS)
        assert labels <= LABELS, (expr, labels - LABELS)


def test_the_dashboards_show_what_on_call_needs() -> None:
    used = {p.stem: " ".join(exprs(json.loads(p.read_text()))) for p in DASHBOARDS}
    assert "kefu_operations_total" in used["overview"] and "kefu_failure" in used["overview"]
    assert "histogram_quantile(0.99, sum by (kefu_saga, le)" in used["overview"]
    for metric in (
        "kefu_consumer_lag",
        "kefu_outbox_backlog",
        "kefu_outbox_oldest_age_seconds",
        "kefu_dlq_messages_total",
        "kefu_parked_messages",
        "messaging_process_duration_seconds_bucket",
    ):
        assert metric in used["kafka-outbox"], metric
    assert "messaging_destination_partition_id" in used["kafka-outbox"]
    assert "kefu_sla_breaches_total" in used["time-limits"]
    assert 'kefu_window="due_soon"' in used["time-limits"]
    assert 'kefu_window="overdue"' in used["time-limits"]
    assert "http_route" in used["http"] and 'http_response_status_code=~"5.."' in used["http"]


def test_alert_rules_are_prometheus_rules() -> None:
    for group in ALERTS["groups"]:
        assert set(group) == {"name", "rules"} and group["name"].startswith("kefu-")
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
            assert re.fullmatch(r"Kefu[A-Za-z]+", rule["alert"])
            assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s")), rule["alert"]


def test_alert_rules_use_only_emitted_metrics_and_labels() -> None:
    for rule in RULES:
        metrics, labels = metrics_and_labels(rule["expr"])
        assert metrics and metrics <= METRICS, (rule["alert"], metrics - METRICS)
        assert labels <= LABELS, (rule["alert"], labels - LABELS)


def test_alerts_cover_lag_dlq_outbox_breaches_errors_and_a_service_down() -> None:
    by_metric = {
        m: [r["alert"] for r in RULES if m in r["expr"]]
        for m in (
            "kefu_consumer_lag",
            "kefu_consumer_failing_seconds",
            "kefu_dlq_messages_total",
            "kefu_outbox_oldest_age_seconds",
            "kefu_sla_breaches_total",
            "http_server_request_duration_seconds_count",
            "up",
        )
    }
    assert all(by_metric.values()), by_metric
    names = [r["alert"] for r in RULES]
    assert len(set(names)) == len(names)
    up = next(r for r in RULES if r["alert"] == "KefuServiceDown")
    assert set(service_names()) <= set(re.findall(r"\w+", up["expr"]))


def test_a_service_with_no_replica_left_and_a_dead_consumers_lag_still_alert() -> None:
    gone = next(r for r in RULES if r["alert"] == "KefuServiceGone")
    for service in service_names():  # `up == 0` needs a target; absent() needs none
        assert f'absent(up{{job="{service}"}} == 1), "job", "{service}"' in gone["expr"]
    broker = next(r for r in RULES if r["alert"] == "KefuBrokerLagHigh")
    assert metrics_and_labels(broker["expr"])[0] == {"kafka_consumergroup_lag"}


def test_every_alert_has_a_severity_and_a_runbook_entry_that_exists() -> None:
    runbook = RUNBOOK.read_text(encoding="utf-8")
    entries = anchors(runbook)
    for rule in RULES:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        url = rule["annotations"]["runbook_url"]
        path, _, anchor = url.partition("#")
        assert (ROOT / path) == RUNBOOK, url
        assert anchor == rule["alert"].lower() and anchor in entries, url
        section = runbook.split(f"## {rule['alert']}\n", 1)[1].split("\n## ", 1)[0]
        assert "look" in section.lower() and "do" in section.lower(), rule["alert"]


def test_prometheus_scrapes_one_job_per_service_and_loads_the_rules() -> None:
    from shared.settings import Settings

    settings = Settings()
    for name in ("prometheus.yml", "prometheus-k8s.yml"):
        config = yaml.safe_load((DEPLOY / "prometheus" / name).read_text(encoding="utf-8"))
        jobs = {j["job_name"]: j for j in config["scrape_configs"]}
        jobs.pop("kafka") if name == "prometheus.yml" else None  # compose's kafka-exporter
        assert set(jobs) == set(service_names()), name
        assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
        for service, job in jobs.items():
            assert job["metrics_path"] == "/metrics"
            if "dns_sd_configs" in job:
                [sd] = job["dns_sd_configs"]
                # the metrics port, never the API's
                assert (sd["names"], sd["port"]) == ([service], settings.metrics_port_of(service))
            else:
                kept = [r["regex"] for r in job["relabel_configs"] if r.get("action") == "keep"]
                assert kept == [service, "metrics"], name


def test_grafana_provisions_the_datasource_and_the_dashboards_folder() -> None:
    provisioning = DEPLOY / "grafana" / "provisioning"
    sources = yaml.safe_load((provisioning / "datasources" / "datasources.yaml").read_text())
    assert {s["uid"]: s["type"] for s in sources["datasources"]} == {
        "prometheus": "prometheus",
        "jaeger": "jaeger",
    }
    for dashboard in DASHBOARDS:
        variables = json.loads(dashboard.read_text())["templating"]["list"]
        [source] = [v for v in variables if v["name"] == "datasource"]
        assert source["current"]["value"] == "prometheus"
    [provider] = yaml.safe_load((provisioning / "dashboards" / "dashboards.yaml").read_text())[
        "providers"
    ]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
