"""The whole back office as processes (the same Stack `kefu up` runs) on the test infrastructure.

Package-scoped rather than session-scoped: the services consume the real topic
names with their real consumer groups, so they must be gone before any other
test of the session uses the same broker.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.refund.settings import RefundSettings
from shared.devstack.broker import free_service_ports
from shared.devstack.stack import Stack
from shared.settings import SERVICES, Settings
from tests.e2e.helpers import Agent, Platform
from tests.infra import Infra, settings_of

DEMO_PASSWORD = "e2e-" + secrets.token_urlsafe(12)


@pytest.fixture(scope="package")
def stack_settings(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home: Path = tmp_path_factory.mktemp("kefu-e2e")
    ports: dict[str, Any] = free_service_ports(SERVICES)
    # the refund service's own settings reach its process like the platform's (kefu up
    # writes every field of the settings it is given): a form's 60-minute submission
    # limit counts as due soon from the start, so the steps-due gauge shows a new form
    return settings_of(
        RefundSettings,
        infra,
        **ports,
        home=home,
        demo_password=DEMO_PASSWORD,
        log_json=True,
        refund_due_soon_minutes=120,
        # A failed payout is flagged for a person at once, not after five attempts spread
        # over minutes, so a test sees the attention list within seconds (a crashed
        # worker's payout is still taken over: its lease runs out, no attempt failed).
        refund_payout_max_attempts=1,
        refund_payout_retry_base_seconds=0.5,
    )


@pytest.fixture(scope="package")
def stack(stack_settings: Settings) -> Iterator[Stack]:
    running = Stack(stack_settings, out=print, health_timeout=60.0)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package")
def platform(stack: Stack) -> Platform:
    assert stack.infra is not None
    return Platform(stack.infra.kafka_bootstrap)


async def _signed_in(stack: Stack, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=stack.gateway_url, timeout=15.0)
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
async def agent(stack: Stack) -> AsyncIterator[Agent]:
    client = await _signed_in(stack, "agent")
    try:
        yield Agent(client)
    finally:
        await client.aclose()


@pytest.fixture
async def admin(stack: Stack) -> AsyncIterator[Agent]:
    client = await _signed_in(stack, "admin")
    try:
        yield Agent(client)
    finally:
        await client.aclose()


@pytest.fixture
async def anonymous(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=15.0) as client:
        yield client
