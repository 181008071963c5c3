from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
import uvloop

from shared.settings import Settings
from tests.infra import Infra, provide_infra, settings_on

# a test that hangs says where (tests/hang_watch.py) before pytest-timeout fails it
pytest_plugins = ["tests.hang_watch"]


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The tests run on the services' own event loop, uvloop (``shared.http.run``);
    ``KEFU_TEST_LOOP=asyncio`` runs them on asyncio's, which the code must work on too."""
    if os.environ.get("KEFU_TEST_LOOP") == "asyncio":
        return {"asyncio": asyncio.new_event_loop}
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    with provide_infra() as provided:
        yield provided


@pytest.fixture
def settings(infra: Infra, tmp_path: Path) -> Settings:
    """Settings on the test infrastructure, with fast consumer-group timings."""
    return settings_on(infra, home=tmp_path / ".kefu")


@pytest.fixture
def unique() -> str:
    """A short unique suffix for topic, group and database names."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session", autouse=True)
def kafka_client_log() -> Iterator[None]:
    """``KEFU_TEST_KAFKA_LOG=<file>``: the Kafka clients' group and fetch events of the whole
    session, to that file (a stalled consumer's history is earlier than the test that fails)."""
    path = os.environ.get("KEFU_TEST_KAFKA_LOG")
    if not path:
        yield
        return
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    client = logging.getLogger("aiokafka")
    client.addHandler(handler)
    client.setLevel(logging.DEBUG if os.environ.get("KEFU_TEST_KAFKA_DEBUG") else logging.INFO)
    try:
        yield
    finally:
        client.removeHandler(handler)
        handler.close()
