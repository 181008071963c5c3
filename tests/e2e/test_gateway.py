"""The gateway in front of running services: health, sign-in, roles."""

from __future__ import annotations

import httpx
import pytest

from shared.settings import SERVICES
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.helpers import Agent, Platform, order
from tests.serving import docs_page_references

pytestmark = pytest.mark.e2e


async def test_health_lists_every_service_ok(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/health")
    assert response.status_code == 200, response.text
    services = response.json()["services"]
    assert set(services) == set(SERVICES)
    assert {name: report["status"] for name, report in services.items()} == dict.fromkeys(
        SERVICES, "ok"
    )


async def test_sign_in_is_required_and_checked(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/api/v1/vouchers")).status_code == 401
    wrong = await anonymous.post(
        "/api/v1/auth/login", json={"username": "agent", "password": DEMO_PASSWORD + "x"}
    )
    assert wrong.status_code == 401
    assert set(wrong.json()) >= {"code", "message"}
    right = await anonymous.post(
        "/api/v1/auth/login", json={"username": "agent", "password": DEMO_PASSWORD}
    )
    assert right.status_code == 200
    assert right.json()["token_type"] == "bearer"
    bad_token = await anonymous.get(
        "/api/v1/vouchers", headers={"Authorization": "Bearer not-a-token"}
    )
    assert bad_token.status_code == 401


async def test_admin_may_not_void(admin: Agent, agent: Agent, platform: Platform) -> None:
    issued = order(vouchers=1)
    await platform.issue(issued)
    [voucher] = await agent.arrived(issued)
    response = await admin.post(f"/api/v1/vouchers/{voucher['code']}/void", {"reason": "test"})
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"
    assert (await agent.voucher(voucher["code"]))["status"] == "available"
    assert await agent.operations(voucher["code"]) == []


async def test_openapi_is_served(anonymous: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):  # offline: every asset from the gateway itself
        assert "/openapi.json" in await docs_page_references(anonymous, page)
    paths = (await anonymous.get("/openapi.json")).json()["paths"]
    assert "/api/v1/vouchers/{code}/void" in paths
    assert "/api/v1/orders/{merchant_order_no}/reversal" in paths
    assert "/api/v1/notify/announcements/board" in paths
