"""The refund service's lists through the gateway: declared filters pass on as given, an
undeclared one is refused there (422 unknown_filter) and never reaches the service."""

from __future__ import annotations

import pytest

from tests.integration.gateway.conftest import GatewayUnderTest

pytestmark = pytest.mark.integration
R = "/api/v1/refunds"
LISTS = (
    (
        f"{R}/forms",
        "agent",
        "state=sent_back&state=completed&phone=8000&customer_name=%E7%8E%8B"
        "&order_no=TK1&complaint_no=TS1&filed_by=agent&filed_from=2026-11-01&filed_to=2026-11-30",
    ),
    (f"{R}/forms/queue", "cashier", "limit=5&cursor=abc"),
    (
        f"{R}/requested",
        "ops",
        "state=paying&user_id=U1&phone=13800138000&request_id=r1"
        "&kind=deposit&received_from=2026-11-01&received_to=2026-11-02&limit=5&cursor=abc",
    ),
    (f"{R}/payouts/attention", "cashier", "kind=requested&limit=5&cursor=abc"),
    (f"{R}/handovers", "lead", "acknowledged=false&limit=5&cursor=abc"),
    (f"{R}/reports/monthly-statistics", "hr", "department=service&state=approved&limit=5"),
)


@pytest.mark.parametrize(("path", "who", "query"), LISTS)
async def test_a_refund_list_passes_its_filters_on_and_refuses_others(
    gateway: GatewayUnderTest, path: str, who: str, query: str
) -> None:
    headers = await gateway.as_user(who)
    forwarded = len(gateway.refund.seen)
    refused = await gateway.http.get(f"{path}?{query}&mobile=13800138000", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (422, "unknown_filter")
    assert "mobile" in refused.json()["message"]
    assert len(gateway.refund.seen) == forwarded
    passed = await gateway.http.get(f"{path}?{query}", headers=headers)
    assert passed.status_code == 200, passed.text
    seen = gateway.refund.last()
    assert (seen["path"], seen["query"]) == (path.removeprefix("/api/v1"), query)


async def test_a_malformed_phone_or_date_is_refused_at_the_gateway(
    gateway: GatewayUnderTest,
) -> None:
    headers = await gateway.as_user("agent")
    for query in ("phone=12", "filed_from=yesterday", "state=nonsense"):
        answer = await gateway.http.get(f"{R}/forms?{query}", headers=headers)
        assert answer.status_code == 422, (query, answer.text)
