"""After-sales, handovers and reports through the gateway with real processes: the role
table (review and processing apart), JSON forwarded, a CSV report streamed through."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from shared.devstack.stack import Stack
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.helpers import Agent

pytestmark = pytest.mark.e2e
PEOPLE = ("agent", "reviewer", "processor", "ops", "lead", "cashier")


@pytest.fixture
async def people(stack: Stack) -> AsyncIterator[dict[str, Agent]]:
    sessions: dict[str, Agent] = {}
    try:
        for username in PEOPLE:
            client = httpx.AsyncClient(base_url=stack.gateway_url, timeout=15.0)
            response = await client.post(
                "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 200, response.text
            client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
            sessions[username] = Agent(client)
        yield sessions
    finally:
        for session in sessions.values():
            await session.client.aclose()


async def test_a_ticket_through_the_gateway(people: dict[str, Agent]) -> None:
    seller = f"S{uuid.uuid4().hex[:8]}"
    address = {
        "province": "浙江省", "city": "杭州市", "district": "西湖区", "street": "文三路1号",
        "contact_name": "李四", "contact_phone": "13900139000",
    }  # fmt: skip
    applied = await people["reviewer"].post(
        "/api/v1/aftersales/activations", {"seller_id": seller, "return_address": address}
    )
    assert applied.status_code == 201, applied.text
    self_review = await people["reviewer"].post(
        f"/api/v1/aftersales/activations/{seller}/review", {"decision": "approve"}
    )
    assert self_review.status_code == 403 and self_review.json()["code"] == "forbidden"
    approved = await people["ops"].post(
        f"/api/v1/aftersales/activations/{seller}/review", {"decision": "approve"}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # the reviewer applied: the seller's main account, which gives the processor theirs
    staffed = await people["reviewer"].client.put(
        f"/api/v1/aftersales/sellers/{seller}/staff/processor", json={"permissions": ["process"]}
    )
    assert staffed.status_code == 200, staffed.text

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()
    opened = await people["agent"].post(
        "/api/v1/aftersales/tickets",
        {
            "seller_id": seller, "application_no": "APP1", "order_no": "O1", "customer_id": "U1",
            "service_type": "exchange", "description": "尺码不合适",
            "images": [{"filename": "a.png", "content_type": "image/png", "data_base64": png}],
        },
    )  # fmt: skip
    assert opened.status_code == 201, opened.text
    ticket = opened.json()["id"]
    # review and processing are separate permissions, at the gateway already
    refused = await people["processor"].post(
        f"/api/v1/aftersales/tickets/{ticket}/review", {"outcome": "approve_shipment"}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    reviewed = await people["reviewer"].post(
        f"/api/v1/aftersales/tickets/{ticket}/review", {"outcome": "approve_shipment"}
    )
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "awaiting_receipt"
    received = await people["processor"].post(f"/api/v1/aftersales/tickets/{ticket}/receive")
    assert received.json()["status"] == "awaiting_processing"
    detail = await people["reviewer"].get(f"/api/v1/aftersales/tickets/{ticket}")
    assert [(i["filename"], i["kind"]) for i in detail.json()["images"]] == [("a.png", "customer")]
    # the list searches by order number, one page shape; what it does not know is refused
    found = await people["agent"].get("/api/v1/aftersales/tickets", order_no="O1", seller_id=seller)
    assert [t["id"] for t in found.json()["items"]] == [ticket] and not found.json()["has_more"]
    unknown = await people["agent"].get("/api/v1/aftersales/tickets", phone="13900139000")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_filter")
    garbage = await people["agent"].get("/api/v1/aftersales/tickets", cursor="garbage")
    assert (garbage.status_code, garbage.json()["code"]) == (422, "invalid_cursor")


async def test_a_csv_report_streams_through_the_gateway(people: dict[str, Agent]) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    response = await people["lead"].get("/api/v1/refunds/reports/service-monthly.csv", month=month)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert f"service-refunds-{month}.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "提交日期", "退单编号"] and rows[-1][0] == "合计"
    cashier = await people["cashier"].get(
        "/api/v1/refunds/reports/service-monthly.csv", month=month
    )
    assert cashier.status_code == 403 and cashier.json()["code"] == "forbidden"
    bad = await people["lead"].get("/api/v1/refunds/reports/service-monthly.csv", month="13")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_period"
