"""A whole stack of its own for the fault suite: the same Stack ``kefu up`` runs, with its
own embedded PostgreSQL and broker (they are killed here), on free ports, supervised.

``make test`` runs the short form (two faults); ``make faults`` (``KEFU_FAULTS_FULL=1``)
kills every part in turn and writes the figures into bench/RESULTS.md.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.devstack.broker import free_port, free_service_ports, port_open
from shared.devstack.stack import Stack
from shared.settings import SERVICES, Settings
from tests.faults.figures import Figures, write_results

DEMO_PASSWORD = "faults-" + secrets.token_urlsafe(12)
FULL = os.environ.get("KEFU_FAULTS_FULL") == "1"
KEEP_LOGS = os.environ.get("KEFU_FAULTS_LOGS")
"""A folder to copy the stack's logs into when the suite ends (each service's, the broker's
and PostgreSQL's): what a slow recovery was doing, read after the stack is gone."""


@pytest.fixture(scope="package")
def fault_stack() -> Iterator[Stack]:
    # not under pytest's basetemp: other sessions on the machine make its root private
    # again, and the embedded PostgreSQL runs as its own user (it must reach its data)
    home = Path(tempfile.mkdtemp(prefix="kefu-faults-"))
    ports: dict[str, Any] = free_service_ports(SERVICES)
    settings = Settings(
        home=home / ".kefu",
        demo_password=DEMO_PASSWORD,
        log_json=True,
        kafka_session_timeout_ms=4000,
        kafka_heartbeat_interval_ms=400,
        **ports,
    )
    broker_port = free_port()
    stack = Stack(settings, out=print, embedded_broker_port=broker_port)
    stack.start()
    supervisor = threading.Thread(target=stack.supervise, kwargs={"poll": 0.2}, daemon=True)
    supervisor.start()
    try:
        yield stack
    finally:
        stack.request_stop()
        supervisor.join(timeout=10)
        stack.stop()
        # a stop stops what the supervisor restarted too
        assert not (home / ".kefu" / "pg" / "postmaster.pid").exists(), "PostgreSQL left running"
        assert not port_open("127.0.0.1", broker_port), "the broker left running"
        if KEEP_LOGS:
            kept = Path(KEEP_LOGS)
            shutil.copytree(home / ".kefu" / "logs", kept / "logs", dirs_exist_ok=True)
            with contextlib.suppress(OSError):
                shutil.copy(home / ".kefu" / "pg" / "log", kept / "postgres.log")
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="package")
def figures() -> Iterator[list[Figures]]:
    measured: list[Figures] = []
    yield measured
    if measured:
        print(write_results(measured, to_file=FULL))


async def _signed_in(stack: Stack, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=stack.gateway_url, timeout=15.0)
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


@pytest.fixture
async def agent(fault_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    client = await _signed_in(fault_stack, "agent")
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def lead(fault_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The duty lead at the rental counter: SMS codes, identity checks, top-ups."""
    client = await _signed_in(fault_stack, "lead")
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def ops(fault_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The operations supervisor approving stored-value refunds (their payouts)."""
    client = await _signed_in(fault_stack, "ops")
    try:
        yield client
    finally:
        await client.aclose()
