"""A service against a broker that enforces SASL/SCRAM: a sign-in it refuses stops the
service at once with a line that says what to check, never a hang, never the password.

The embedded broker (Tansu 0.6, ``--authentication``) checks SCRAM-SHA-256 and -512
sign-ins against the users it stores, but with its memory storage no user can be created:
it refuses even ``AlterUserScramCredentials`` before a sign-in, and keeps nothing across a
restart (its PostgreSQL storage is not built into the wheel's binary). So these tests
see the refusal from a real broker; the accepted sign-in is the production cluster's to
show (the client options are in tests/unit/shared/test_kafka_security.py).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from shared.contracts import Topic
from shared.devstack.broker import EmbeddedBroker, free_port
from shared.messaging.kafka import KafkaRefused
from shared.platform import Platform
from tests.infra import Infra, settings_on
from tests.integration.shared.test_messaging import Credit

pytestmark = pytest.mark.integration

PASSWORD = "not-the-password-0f-kefu"
REFUSED_WITHIN_SECONDS = 20.0
"""aiokafka's request timeout is longer; a refusal is an answer, not a wait."""


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("sasl") / "broker.log"
    broker = EmbeddedBroker(free_port(), log, authentication=True)
    broker.start()
    yield broker
    broker.stop()


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256"])
async def test_a_refused_sign_in_stops_the_service_at_once_saying_what_to_check(
    infra: Infra,
    guarded: EmbeddedBroker,
    tmp_path: Path,
    unique: str,
    mechanism: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_on(
        infra,
        home=tmp_path / ".kefu",
        kafka_bootstrap=guarded.bootstrap,
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username="kefu-voucher",
        kafka_sasl_password=SecretStr(PASSWORD),
    )
    topic = Topic(f"test.sasl.{unique}.v1", Credit, key="account", summary="t", producer="test")
    platform = Platform(f"s{unique}", settings, None)
    started = time.monotonic()
    with (
        caplog.at_level(logging.ERROR, logger="shared.messaging.kafka"),
        pytest.raises(KafkaRefused) as refused,
    ):
        await platform.open(topics=[topic])
    took = time.monotonic() - started
    await platform.close()
    assert took < REFUSED_WITHIN_SECONDS
    [line] = [r.getMessage() for r in caplog.records if r.name == "shared.messaging.kafka"]
    assert line == str(refused.value)
    assert f"{guarded.bootstrap} (SASL {mechanism} as 'kefu-voucher', no TLS)" in line
    assert "KEFU_KAFKA_SASL_PASSWORD" in line
    assert PASSWORD not in caplog.text and PASSWORD not in line
    assert platform.relay is None  # nothing half-started: no relay, no consumers


async def test_a_client_without_sasl_is_refused_by_a_broker_that_requires_it(
    infra: Infra,
    guarded: EmbeddedBroker,
    tmp_path: Path,
    unique: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_on(infra, home=tmp_path / ".kefu", kafka_bootstrap=guarded.bootstrap)
    platform = Platform(f"s{unique}", settings, None)
    started = time.monotonic()
    with (
        caplog.at_level(logging.ERROR, logger="shared.messaging.kafka"),
        pytest.raises(KafkaRefused, match="no SASL, no TLS"),
    ):
        await platform.open(topics=[])
    await platform.close()
    assert time.monotonic() - started < REFUSED_WITHIN_SECONDS


def test_the_gateway_process_exits_with_that_line(
    infra: Infra, guarded: EmbeddedBroker, tmp_path: Path
) -> None:
    """The same as a process: it exits (to be restarted, or to stop ``kefu up``) within
    seconds, before it listens (uvicorn binds after the lifespan's start), so no probe of
    its ``/health`` ever passes; its log says what to check."""
    port, metrics = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {
        "KEFU_DATABASE_URL": infra.database_url,
        "KEFU_KAFKA_BOOTSTRAP": guarded.bootstrap,
        "KEFU_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KEFU_KAFKA_SASL_USERNAME": "kefu-gateway",
        "KEFU_KAFKA_SASL_PASSWORD": PASSWORD,
        "KEFU_HOME": str(tmp_path / ".kefu"),
        "KEFU_GATEWAY_PORT": str(port),
        "KEFU_GATEWAY_METRICS_PORT": str(metrics),
        "KEFU_METRICS": "false",
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "services.gateway"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert time.monotonic() - started < 30
    output = done.stdout + done.stderr
    assert f"cannot connect to Kafka at {guarded.bootstrap} (SASL SCRAM-SHA-512 as" in output
    assert PASSWORD not in output
