"""deploy/k8s: the base and the production overlay render, every manifest is valid
Kubernetes (schemas shipped with kubernetes-validate: offline), and each service has
what running it in production takes."""

from __future__ import annotations

import importlib
from typing import Any
from unittest.mock import MagicMock

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from shared.observability.messaging import group_id
from shared.settings import Settings
from tests.settings_classes import every_setting, settings_class_of
from tests.unit.deploy.kustomize import Manifest, build, find, load_all
from tests.unit.deploy.paths import DEPLOY, OWN_SECRETS, service_names
from tests.unit.deploy.promql import metrics_and_labels

K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.30"
BASE = build(K8S / "base")
PRODUCTION = build(K8S / "overlays" / "production")
CUSTOM = {  # KEDA's CRDs: checked below, by hand
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
}

SETTINGS = every_setting()


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def container(deployment: Manifest) -> dict[str, Any]:
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    found: dict[str, Any] = only
    return found


@pytest.mark.parametrize("rendered", [BASE, PRODUCTION], ids=["base", "production"])
def test_every_manifest_is_valid_kubernetes(rendered: list[Manifest]) -> None:
    example = load_all(K8S / "base" / "secret.example.yaml")
    for manifest in rendered + example:
        if (manifest["apiVersion"], manifest["kind"]) in CUSTOM:
            continue
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_the_validator_does_reject_a_bad_manifest() -> None:
    broken = {**find(BASE, "Service", "voucher"), "spec": {"ports": [{"port": "http"}]}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("rendered", [BASE, PRODUCTION], ids=["base", "production"])
def test_each_service_runs_with_probes_resources_budget_and_autoscaling(
    rendered: list[Manifest],
) -> None:
    settings = Settings()
    deployments, services = of_kind(rendered, "Deployment"), of_kind(rendered, "Service")
    budgets, scaled = of_kind(rendered, "PodDisruptionBudget"), of_kind(rendered, "ScaledObject")
    hpas = of_kind(rendered, "HorizontalPodAutoscaler")
    assert set(deployments) == set(service_names())
    for name, deployment in deployments.items():
        port, metrics = settings.port_of(name), settings.metrics_port_of(name)
        c = container(deployment)
        assert c["command"] == ["python", "-m", f"services.{name}"]
        assert c["ports"] == [
            {"name": "http", "containerPort": port},
            {"name": "metrics", "containerPort": metrics},
        ]
        assert services[name]["spec"]["ports"] == [
            {"name": "http", "port": port, "targetPort": "http"},
            {"name": "metrics", "port": metrics, "targetPort": "metrics"},
        ]
        assert c["resources"]["requests"]["cpu"] and c["resources"]["limits"]["memory"]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert c[probe]["httpGet"] == {"path": "/health", "port": "http"}, (name, probe)
        ready, live = c["readinessProbe"], c["livenessProbe"]
        # Kafka away for a few minutes takes a replica out of the Service, never restarts it
        patience = live["periodSeconds"] * live["failureThreshold"]
        assert (
            patience >= 240 and patience > 10 * ready["periodSeconds"] * ready["failureThreshold"]
        )
        own = {f"kefu-{name}-secrets"} if name in set(OWN_SECRETS.values()) else set()
        assert {e.get("configMapRef", e.get("secretRef"))["name"] for e in c["envFrom"]} == {
            "kefu-settings",
            "kefu-secrets",
            *own,
        }
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert budgets[name]["spec"]["selector"]["matchLabels"] == selector
        assert services[name]["spec"]["selector"] == selector
        assert budgets[name]["spec"]["minAvailable"] == 1 <= deployment["spec"]["replicas"] - 1
        if name == "gateway":  # no consumers: it scales on CPU
            assert hpas[name]["spec"]["scaleTargetRef"]["name"] == name
            continue
        autoscaler = scaled[name]["spec"]
        assert autoscaler["scaleTargetRef"]["name"] == name
        assert 2 <= autoscaler["minReplicaCount"] < autoscaler["maxReplicaCount"]
        [trigger, *broker_side] = autoscaler["triggers"]
        query = trigger["metadata"]["query"]
        assert trigger["type"] == "prometheus" and int(trigger["metadata"]["threshold"]) > 0
        assert metrics_and_labels(query) == ({"kefu_consumer_lag"}, {"job"})
        assert f'job="{name}"' in query
        # and from the broker, for every consumer group of the service (KEDA's Kafka scaler)
        assert {
            (t["metadata"]["consumerGroup"], t["metadata"]["topic"]) for t in broker_side
        } == consumer_groups(name)
        for t in broker_side:
            assert t["type"] == "kafka" and int(t["metadata"]["lagThreshold"]) > 0
            assert t["metadata"]["bootstrapServersFromEnv"] == "KEFU_KAFKA_BOOTSTRAP"
            assert t["authenticationRef"]["name"] == "kefu-kafka"
        assert find(rendered, "TriggerAuthentication", "kefu-kafka")


def consumer_groups(service: str) -> set[tuple[str, str]]:
    """Each subscription of ``service``: its consumer group and topic."""
    deps = MagicMock(settings=settings_class_of(service)())
    subscribers = importlib.import_module(f"services.{service}.subscribers")
    return {(group_id(service), s.topic.name) for s in subscribers.subscriptions(deps)}


def example_secrets() -> dict[str, Manifest]:
    """The example Secrets (secret.example.yaml), by name."""
    return {s["metadata"]["name"]: s for s in load_all(K8S / "base" / "secret.example.yaml")}


def secrets_read_by(deployment: Manifest) -> set[str]:
    """Every Secret a Deployment's pods can read: as environment, one key, or a volume."""
    pod = deployment["spec"]["template"]["spec"]
    names = {v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v}
    for c in pod["containers"] + pod.get("initContainers", []):
        names |= {e["secretRef"]["name"] for e in c.get("envFrom", []) if "secretRef" in e}
        for env in c.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                names.add(ref["name"])
    return names


@pytest.mark.parametrize("rendered", [BASE, PRODUCTION], ids=["base", "production"])
def test_a_secret_one_service_uses_only_that_service_can_read(rendered: list[Manifest]) -> None:
    secrets = example_secrets()
    deployments = of_kind(rendered, "Deployment")
    for key, service in OWN_SECRETS.items():
        holding = {n for n, s in secrets.items() if key in s["stringData"]}
        assert holding == {f"kefu-{service}-secrets"}, key
        readers = {n for n, d in deployments.items() if secrets_read_by(d) & holding}
        assert readers == {service}, key
    for name in set(OWN_SECRETS.values()):  # a service's own Secret holds only its own keys
        own = set(secrets[f"kefu-{name}-secrets"]["stringData"])
        assert own == {k for k, s in OWN_SECRETS.items() if s == name}
    # the public key, the internal key and the database for all; no Secret not in the examples
    assert {"KEFU_SMS_SEAL_PUBLIC_KEY", "KEFU_INTERNAL_SECRET"} <= set(
        secrets["kefu-secrets"]["stringData"]
    )
    for name, deployment in deployments.items():
        assert "kefu-secrets" in secrets_read_by(deployment), name
        assert secrets_read_by(deployment) <= set(secrets), name


def test_keda_signs_in_to_kafka_with_the_secret_the_example_shows() -> None:
    auth = find(BASE, "TriggerAuthentication", "kefu-kafka")["spec"]["secretTargetRef"]
    example = example_secrets()["kefu-kafka-auth"]
    assert {(r["name"], r["key"]) for r in auth} == {
        (example["metadata"]["name"], key) for key in example["stringData"]
    }
    assert {r["parameter"] for r in auth} == {"sasl", "tls", "username", "password"}


def test_settings_are_real_settings_and_point_at_a_replicated_kafka() -> None:
    config = find(BASE, "ConfigMap", "kefu-settings")["data"]
    keys = [k for s in example_secrets().values() if s["metadata"]["name"] != "kefu-kafka-auth"
            for k in s["stringData"]]  # fmt: skip
    for key in list(config) + keys:
        assert key.startswith("KEFU_") and key[5:].lower() in SETTINGS, key
    settings = Settings(**{k[5:].lower(): v for k, v in config.items()})
    assert settings.kafka_idempotence and settings.topic_replication == 3
    assert settings.url_of("voucher") == "http://voucher.kefu.svc:8101"
    assert settings.host == "0.0.0.0"


def test_the_topics_job_runs_the_topics_script() -> None:
    job = find(BASE, "Job", "kefu-topics")
    pod = job["spec"]["template"]["spec"]
    [c] = pod["containers"]
    assert c["image"].startswith("apache/kafka:")
    assert c["command"] == ["/bin/bash", "/kefu/kafka-topics.sh"]
    [volume] = pod["volumes"]
    script = find(BASE, "ConfigMap", volume["configMap"]["name"])["data"]["kafka-topics.sh"]
    assert script == (K8S / "base" / "kafka-topics.sh").read_text(encoding="utf-8")


def test_the_production_overlay_changes_image_replicas_settings_and_resources() -> None:
    base, prod = of_kind(BASE, "Deployment"), of_kind(PRODUCTION, "Deployment")
    for name in prod:
        assert container(base[name])["image"] == "kefu"
        assert container(prod[name])["image"] == "registry.example.com/kefu/kefu:0.1.0"
        assert prod[name]["metadata"]["namespace"] == "kefu"
    assert prod["gateway"]["spec"]["replicas"] == 3
    assert container(prod["voucher"])["resources"]["limits"]["memory"] == "1Gi"
    assert (
        container(prod["voucher"])["livenessProbe"] == container(base["voucher"])["livenessProbe"]
    )
    settings = find(PRODUCTION, "ConfigMap", "kefu-settings")["data"]
    assert settings["KEFU_KAFKA_BOOTSTRAP"].count(":9093") == 3  # TLS + SASL listener
    assert (settings["KEFU_KAFKA_SASL_MECHANISM"], settings["KEFU_KAFKA_TLS"]) == (
        "SCRAM-SHA-512",
        "true",
    )
    assert settings["KEFU_TOPIC_REPLICATION"] == "3"  # the patch merged, it did not replace


def test_only_the_gateway_reaches_the_apis_and_only_prometheus_the_metrics() -> None:
    policies = of_kind(BASE, "NetworkPolicy")
    deny = policies["default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny  # nothing let in
    prometheus = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    }
    scrape = {"from": [prometheus], "ports": [{"port": "metrics"}]}
    assert policies["gateway-ingress"]["spec"]["ingress"] == [{"ports": [{"port": "http"}]}, scrape]
    for name in set(service_names()) - {"gateway"}:
        spec = policies[f"{name}-ingress"]["spec"]
        assert spec["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": name}
        gateway = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}
        assert spec["ingress"] == [{"from": [gateway], "ports": [{"port": "http"}]}, scrape]
    assert set(policies) == {"default-deny-ingress", "gateway-ingress"} | {
        f"{n}-ingress" for n in set(service_names()) - {"gateway"}
    }


def test_the_example_secret_holds_no_usable_value() -> None:
    secrets = example_secrets()
    for secret in secrets.values():
        if secret["metadata"]["name"] != "kefu-kafka-auth":  # (KEDA's settings, no secret)
            assert set(secret["stringData"].values()) == {""}, secret["metadata"]["name"]
    assert "KEFU_INTERNAL_SECRET" in secrets["kefu-secrets"]["stringData"]
    # KEDA's Kafka sign-in: the mechanism and TLS switch are settings, the rest is secret
    kafka = dict(secrets["kefu-kafka-auth"]["stringData"])
    assert (kafka.pop("sasl"), kafka.pop("tls")) == ("scram_sha512", "enable")
    assert set(kafka.values()) == {""}
