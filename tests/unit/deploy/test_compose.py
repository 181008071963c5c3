"""deploy/compose: the production shape on one host, checked without Docker."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from shared.settings import Settings
from tests.settings_classes import every_setting
from tests.unit.deploy.paths import DEPLOY, OWN_SECRETS, ROOT, service_names

COMPOSE_DIR = DEPLOY / "compose"
COMPOSE = yaml.safe_load((COMPOSE_DIR / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
BROKERS = ("kafka-1", "kafka-2", "kafka-3")
PLATFORM = (
    *BROKERS,
    "topic-init",
    "kafka-exporter",
    "postgres",
    "otel-collector",
    "jaeger",
    "prometheus",
    "grafana",
)

SETTINGS = every_setting()


def test_every_service_and_the_platform_are_there() -> None:
    assert set(SERVICES) == set(service_names()) | set(PLATFORM)


def test_kafka_is_three_kraft_brokers_replicating_to_two() -> None:
    voters = set()
    for name in BROKERS:
        broker = SERVICES[name]
        env = broker["environment"]
        assert broker["image"].startswith("apache/kafka:")
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert (env["KAFKA_DEFAULT_REPLICATION_FACTOR"], env["KAFKA_MIN_INSYNC_REPLICAS"]) == (
            "3",
            "2",
        )
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        voters.add(env["KAFKA_CONTROLLER_QUORUM_VOTERS"])
        assert "kafka-broker-api-versions.sh" in " ".join(broker["healthcheck"]["test"])
    assert voters == {"1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"}
    cluster_ids = {SERVICES[b]["environment"]["CLUSTER_ID"] for b in BROKERS}
    [cluster_id] = cluster_ids  # KRaft refuses anything but a base64 UUID
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert sorted(SERVICES[b]["environment"]["KAFKA_NODE_ID"] for b in BROKERS) == ["1", "2", "3"]


def test_each_service_runs_replicated_healthchecked_after_its_dependencies() -> None:
    settings = Settings()
    for name in service_names():
        service = SERVICES[name]
        assert service["command"] == ["python", "-m", f"services.{name}"]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (COMPOSE_DIR / service["build"]["context"] / "deploy" / "Dockerfile").is_file()
        assert service["deploy"]["replicas"] >= 2
        check = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{settings.port_of(name)}/health" in check
        needs = service["depends_on"]
        for dependency in ("postgres", *BROKERS):
            assert needs[dependency]["condition"] == "service_healthy", (name, dependency)
        assert needs["topic-init"]["condition"] == "service_completed_successfully"
    gateway_needs = SERVICES["gateway"]["depends_on"]
    for name in set(service_names()) - {"gateway"}:
        assert gateway_needs[name]["condition"] == "service_healthy"
    for name in ("postgres", "prometheus", "grafana"):
        assert SERVICES[name]["healthcheck"]["test"], name


def test_services_use_real_settings_idempotent_producers_and_replicated_topics() -> None:
    for name in service_names():
        env = SERVICES[name]["environment"]
        unknown = [k for k in env if k[5:].lower() not in SETTINGS]
        assert all(k.startswith("KEFU_") for k in env) and unknown == [], unknown
        assert (env["KEFU_KAFKA_IDEMPOTENCE"], env["KEFU_TOPIC_REPLICATION"]) == ("true", "3")
        assert env["KEFU_KAFKA_BOOTSTRAP"] == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
        assert env["KEFU_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        assert env["KEFU_UPSTREAM_HOST"] == "{service}" and env["KEFU_HOST"] == "0.0.0.0"
    # every KEFU_ name anywhere in the file, comments included, is a setting
    text = (COMPOSE_DIR / "compose.yaml").read_text(encoding="utf-8")
    for variable in set(re.findall(r"KEFU_[A-Z0-9_]+", text)):
        assert variable[5:].lower() in SETTINGS, variable


def test_mounted_files_exist_and_the_collector_sends_traces_to_jaeger() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE_DIR / source).exists(), (name, source)
    collector = yaml.safe_load((DEPLOY / "otel" / "collector.yaml").read_text(encoding="utf-8"))
    traces = collector["service"]["pipelines"]["traces"]
    assert traces["receivers"] == ["otlp"] and traces["exporters"] == ["otlp/jaeger"]
    assert collector["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
    assert collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    assert SERVICES["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"


def test_the_image_installs_the_project_and_runs_a_service() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install" in dockerfile and 'CMD ["python", "-m", "services.' in dockerfile
    for copied in re.findall(r"^COPY (?!--)(.+) \S+$", dockerfile, re.M):
        for path in copied.split():
            assert (ROOT / path).exists(), path


def _compose_tools() -> list[list[str]]:
    """Docker Compose v2 (`docker compose`) and v1 (`docker-compose`), those installed."""
    tools = []
    if (
        shutil.which("docker")
        and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        tools.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        tools.append(["docker-compose"])
    return tools


@pytest.mark.parametrize("tool", _compose_tools() or [None], ids=lambda t: " ".join(t or ["none"]))
def test_compose_v2_and_v1_accept_the_file(tool: list[str] | None) -> None:
    if tool is None:
        pytest.skip("neither docker compose nor docker-compose is installed")
    required = set(re.findall(r"\$\{(\w+):\?", (COMPOSE_DIR / "compose.yaml").read_text()))
    env = {**os.environ, **{name: "set-for-the-check" for name in required}}
    checked = subprocess.run(
        [*tool, "-p", "kefu", "-f", str(COMPOSE_DIR / "compose.yaml"), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_only_the_gateway_and_the_consoles_face_the_host() -> None:
    networks = COMPOSE["networks"]
    assert networks["backend"]["internal"] is True
    for name in set(service_names()) - {"gateway"}:
        assert SERVICES[name]["networks"] == ["backend"] and "ports" not in SERVICES[name]
        assert SERVICES[name]["environment"]["KEFU_INTERNAL_SECRET"].startswith("${")
    assert SERVICES["gateway"]["networks"] == ["backend", "edge"]
    for name in (*BROKERS, "topic-init", "postgres", "otel-collector"):
        assert SERVICES[name]["networks"] == ["backend"], name
    published = {n for n, s in SERVICES.items() if "ports" in s}
    assert published == {"gateway", "jaeger", "prometheus", "grafana"}
    assert all("edge" in SERVICES[n]["networks"] for n in published)


def test_a_secret_one_service_uses_is_given_to_that_service_alone() -> None:
    """The JWT key to the gateway, the key that opens sealed codes and the codes' HMAC key
    to notify, rental's to rental (tests/unit/deploy/test_k8s.py has the list); every
    service gets the public key."""
    for key, service in OWN_SECRETS.items():
        holding = {n for n, s in SERVICES.items() if key in s.get("environment", {})}
        assert holding == {service}, key
        assert key not in COMPOSE["x-service-env"], key
    for name in service_names():
        assert SERVICES[name]["environment"]["KEFU_SMS_SEAL_PUBLIC_KEY"].startswith("${"), name
