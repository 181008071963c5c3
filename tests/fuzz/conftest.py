"""A whole stack of its own for the OpenAPI fuzzing: its own embedded PostgreSQL and
broker, on free ports.

The fuzzing signs in with wrong passwords until the sign-in locks, and as admin it
disables, resets and re-roles accounts: on the e2e stack every later test would find
its demo accounts locked or changed. Nothing else uses this stack.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.devstack.broker import free_port, free_service_ports
from shared.devstack.stack import Stack
from shared.settings import SERVICES, Settings

DEMO_PASSWORD = "fuzz-" + secrets.token_urlsafe(12)


@pytest.fixture(scope="package")
def stack() -> Iterator[Stack]:
    # not under pytest's basetemp: the embedded PostgreSQL runs as its own user
    home = Path(tempfile.mkdtemp(prefix="kefu-fuzz-"))
    ports: dict[str, Any] = free_service_ports(SERVICES)
    settings = Settings(home=home / ".kefu", demo_password=DEMO_PASSWORD, log_json=True, **ports)
    running = Stack(settings, out=print, embedded_broker_port=free_port())
    running.start()
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(home, ignore_errors=True)
