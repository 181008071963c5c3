"""Where tests get a real PostgreSQL and Kafka-protocol broker.

In order: ``KEFU_TEST_DATABASE_URL`` / ``KEFU_TEST_KAFKA_BOOTSTRAP`` when set;
testcontainers when a Docker engine answers; else the embedded ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from shared.settings import PlatformSettings


@dataclass(frozen=True)
class Infra:
    database_url: str
    kafka_bootstrap: str
    kind: str


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def _embedded() -> Iterator[Infra]:
    from shared.devstack.broker import EmbeddedBroker, free_port
    from shared.devstack.postgres import start_postgres

    tmp = Path(tempfile.mkdtemp(prefix="kefu-test-"))
    url, server = start_postgres(tmp / "pg", keep=False)
    broker = EmbeddedBroker(free_port(), tmp / "broker.log")
    broker.start()
    try:
        yield Infra(url, broker.bootstrap, "embedded")
    finally:
        broker.stop()
        server.cleanup()


@contextlib.contextmanager
def _containers() -> Iterator[Infra]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16") as pg, KafkaContainer().with_kraft() as kafka:
        url = pg.get_connection_url().replace("postgresql+psycopg2", "postgresql")
        yield Infra(url, kafka.get_bootstrap_server(), "testcontainers")


@contextlib.contextmanager
def provide_infra() -> Iterator[Infra]:
    db, kafka = (
        os.environ.get("KEFU_TEST_DATABASE_URL"),
        os.environ.get("KEFU_TEST_KAFKA_BOOTSTRAP"),
    )
    if db and kafka:
        yield Infra(db, kafka, "settings")
    elif _docker_available():
        with _containers() as infra:
            yield infra
    else:
        with _embedded() as infra:
            yield infra


FAST_TIMINGS: dict[str, object] = {
    # consumer groups settle in ~2 s instead of ~5 s, and parked retries come quickly.
    # Not shorter: on a loaded 2-core machine an event loop can stall past a 2 s
    # session, the member is evicted, and the embedded broker can leave such a group
    # rebalancing forever (BROKER.md's known fault): a consumer that silently stops.
    "kafka_session_timeout_ms": 4000,
    "kafka_heartbeat_interval_ms": 400,
    "topic_partitions": 2,
    "retry_base_seconds": 0.1,
    "retry_max_seconds": 0.5,
}


S = TypeVar("S", bound=PlatformSettings)


def settings_on(infra: Infra, **overrides: object) -> PlatformSettings:
    """Settings on the test infrastructure with fast timings; ``overrides`` win."""
    return settings_of(PlatformSettings, infra, **overrides)


def settings_of(kind: type[S], infra: Infra, **overrides: object) -> S:
    """A service's own ``kind`` of settings on the test infrastructure with fast timings;
    ``overrides`` win, and one ``kind`` does not have is an error (settings ignore unknown
    names, so it would otherwise change nothing, silently)."""
    unknown = set(overrides) - set(kind.model_fields)
    if unknown:
        raise TypeError(f"{kind.__name__} has no setting {sorted(unknown)}")
    values: dict[str, object] = {
        "database_url": infra.database_url,
        "kafka_bootstrap": infra.kafka_bootstrap,
        "log_json": False,
        **FAST_TIMINGS,
        **overrides,
    }
    return kind(**values)  # type: ignore[arg-type]


T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within: float = 20.0, what: str = "condition"
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        last = await probe()
        if last:
            return last
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not met within {within:.0f} s (last: {last!r})")
        await asyncio.sleep(0.05)
