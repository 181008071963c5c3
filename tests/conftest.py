from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.settings import Settings
from tests.infra import Infra, provide_infra


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    with provide_infra() as provided:
        yield provided


@pytest.fixture
def settings(infra: Infra, tmp_path: Path) -> Settings:
    """Settings on the test infrastructure, with fast consumer-group timings."""
    return Settings(
        database_url=infra.database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        kafka_session_timeout_ms=2000,
        kafka_heartbeat_interval_ms=300,
        topic_partitions=2,
        retry_base_seconds=0.1,
        retry_max_seconds=0.5,
        home=tmp_path / ".kefu",
        log_json=False,
    )


@pytest.fixture
def unique() -> str:
    """A short unique suffix for topic, group and database names."""
    return uuid.uuid4().hex[:8]
