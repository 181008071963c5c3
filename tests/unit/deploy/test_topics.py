"""The topics script (compose's topic-init, the Kubernetes Job) covers every contract topic
with replication factor 3 and min.insync.replicas 2, and each topic's DLQ."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from shared.contracts import TOPICS
from tests.unit.deploy.paths import DEPLOY

SCRIPT_PATH = DEPLOY / "k8s" / "base" / "kafka-topics.sh"
SCRIPT = SCRIPT_PATH.read_text(encoding="utf-8")


def listed() -> dict[str, int]:
    block = SCRIPT.split('TOPICS="', 1)[1].split('"', 1)[0]
    rows = [line.split() for line in block.splitlines() if line.strip()]
    return {name: int(partitions) for name, partitions in rows}


def setting(name: str) -> str:
    match = re.search(rf"^{name}=(\S+)$", SCRIPT, re.M)
    assert match, name
    return match.group(1)


def test_every_contract_topic_is_created_with_its_partitions() -> None:
    topics = listed()
    contracts = {t.name for t in TOPICS}
    assert set(topics) == contracts, (
        f"deploy/k8s/base/kafka-topics.sh lacks {sorted(contracts - set(topics))}"
        f" and has {sorted(set(topics) - contracts)} that no contract declares"
    )
    assert all(n >= 6 for n in topics.values())


def test_replication_three_min_insync_two_and_a_dlq_each() -> None:
    assert (setting("REPLICATION"), setting("MIN_INSYNC")) == ("3", "2")
    assert int(setting("DLQ_PARTITIONS")) >= 1
    assert '--replication-factor "$REPLICATION"' in SCRIPT
    assert '--config "min.insync.replicas=$MIN_INSYNC"' in SCRIPT
    assert "--if-not-exists" in SCRIPT
    assert 'create "$topic" "$partitions"' in SCRIPT
    assert 'create "$topic.dlq" "$DLQ_PARTITIONS"' in SCRIPT


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_script_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT_PATH)], check=True)


def test_compose_and_kubernetes_run_this_script() -> None:
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text(encoding="utf-8"))
    init = compose["services"]["topic-init"]
    [mount] = init["volumes"]
    assert mount == "../k8s/base/kafka-topics.sh:/kefu/kafka-topics.sh:ro"
    assert init["entrypoint"] == ["/bin/bash", "/kefu/kafka-topics.sh"]
    assert set(init["depends_on"]) == {"kafka-1", "kafka-2", "kafka-3"}
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "base" / "kustomization.yaml").read_text())
    [generator] = kustomization["configMapGenerator"]
    assert generator["files"] == ["kafka-topics.sh"]
