"""Forwarding to the services: same path minus /api/v1, query, body, identity, trace."""

from __future__ import annotations

import pytest

from shared.devstack.broker import free_port
from shared.settings import SERVICES
from tests.integration.gateway.conftest import GatewayUnderTest, new_key

pytestmark = pytest.mark.integration
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


async def test_a_query_reaches_the_voucher_service_with_who_asks(gateway: GatewayUnderTest) -> None:
    lead = await gateway.as_user("lead")
    response = await gateway.http.get(
        "/api/v1/vouchers?phone=13800138000&status=available&order_date_from=&limit=5",
        headers={**lead, "traceparent": TRACEPARENT},
    )
    assert response.status_code == 200
    assert response.json()["service"] == "voucher"
    seen = gateway.voucher.last()
    assert (seen["method"], seen["path"]) == ("GET", "/vouchers")
    assert seen["query"] == "phone=13800138000&status=available&order_date_from=&limit=5"
    assert (seen["caller"].actor, seen["caller"].roles) == ("lead", {"duty_lead"})
    assert "x-kefu-actor" not in seen["headers"] and "x-kefu-roles" not in seen["headers"]
    assert seen["headers"]["traceparent"].split("-")[1] == TRACEPARENT.split("-")[1]
    assert "authorization" not in seen["headers"]


async def test_each_route_goes_to_its_service_path(gateway: GatewayUnderTest) -> None:
    agent = await gateway.as_user("agent")
    calls = [
        ("GET", "/api/v1/vouchers/2201%20X", None, gateway.voucher, "/vouchers/2201%20X"),
        ("GET", "/api/v1/vouchers/C7/operations", None, gateway.voucher, "/vouchers/C7/operations"),
        ("GET", "/api/v1/operations/op-1", None, gateway.voucher, "/operations/op-1"),
        (
            "POST",
            "/api/v1/orders/M1/reversal",
            {"reason": "r"},
            gateway.voucher,
            "/orders/M1/reversal",
        ),
        ("POST", "/api/v1/operations/op-1/retry", None, gateway.voucher, "/operations/op-1/retry"),
        ("GET", "/api/v1/users/U1/points?limit=3", None, gateway.points, "/users/U1/points"),
    ]
    for method, path, body, service, upstream in calls:
        response = await gateway.http.request(
            method,
            path,
            json=body,
            headers={**agent, **({"Idempotency-Key": new_key()} if method == "POST" else {})},
        )
        assert response.status_code == 200, (path, response.text)
        assert (service.last()["method"], service.last()["path"]) == (method, upstream)
    assert gateway.points.last()["query"] == "limit=3"
    assert gateway.voucher.seen[-2]["body"] == {"reason": "r"}
    assert gateway.voucher.seen[-2]["headers"]["idempotency-key"]


async def test_the_services_answers_pass_through(gateway: GatewayUnderTest) -> None:
    agent = await gateway.as_user("agent")
    missing = await gateway.http.get("/api/v1/vouchers/MISSING1", headers=agent)
    assert (missing.status_code, missing.json()) == (
        404,
        {"code": "voucher_not_found", "message": "no"},
    )
    blank = await gateway.http.post(
        "/api/v1/vouchers/C9/void", json={}, headers={**agent, "Idempotency-Key": new_key()}
    )
    assert blank.status_code == 200 and gateway.voucher.last()["body"] == {"reason": None}
    bare = await gateway.http.post(
        "/api/v1/vouchers/C9/void", headers={**agent, "Idempotency-Key": new_key()}
    )
    assert bare.status_code == 200 and gateway.voucher.last()["body"] is None


async def test_a_service_down_is_a_503_and_health_says_degraded(
    gateway: GatewayUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = await gateway.as_user("agent")
    healthy = await gateway.http.get("/health")
    assert healthy.status_code == 200, healthy.text
    assert healthy.json()["status"] == "ok"
    assert set(healthy.json()["services"]) == set(SERVICES)

    monkeypatch.setattr(gateway.settings, "points_port", free_port())
    down = await gateway.http.get("/api/v1/users/U1/points", headers=agent)
    assert (down.status_code, down.json()["code"]) == (503, "service_unavailable")
    degraded = await gateway.http.get("/health")
    assert degraded.status_code == 503
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["services"]["points"]["status"] == "unreachable"
    assert [d.split(":")[0] for d in degraded.json()["down"]] == ["points"]
    assert degraded.json()["services"]["voucher"]["status"] == "ok"
    assert degraded.json()["services"]["notify"]["status"] == "ok"
