"""Accounts through the gateway and real processes: a payment from the platform, a counter
top-up verified by an SMS code the notify service sent, a deposit change, a deposit refund
approved in the refund service and released here once, and the fund flows as CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.contracts import (
    RENTAL_PAYMENT_RECEIVED,
    RENTAL_USER_REGISTERED,
    PaymentReceived,
    UserRegistered,
)
from shared.devstack.stack import Stack
from tests.e2e.conftest import _signed_in
from tests.e2e.helpers import Agent, Platform, phone
from tests.infra import eventually as until

pytestmark = pytest.mark.e2e
R = "/api/v1/rental"


@pytest.fixture
async def staff(stack: Stack) -> AsyncIterator[dict[str, Agent]]:
    clients = {name: await _signed_in(stack, name) for name in ("lead", "agent", "ops", "cashier")}
    try:
        yield {name: Agent(client) for name, client in clients.items()}
    finally:
        for client in clients.values():
            await client.aclose()


async def test_top_up_deposit_refund_and_fund_flows(
    platform: Platform, staff: dict[str, Agent]
) -> None:
    lead, agent, ops, cashier = (staff[n] for n in ("lead", "agent", "ops", "cashier"))
    now = datetime.now(UTC)
    user, mobile = f"u-{uuid.uuid4().hex[:10]}", phone()
    await platform.publish(
        RENTAL_USER_REGISTERED,
        UserRegistered(
            event_id=str(uuid.uuid4()),
            user_id=user,
            phone=mobile,
            name="王五",
            registered_at=now - timedelta(days=1),
        ),
    )
    await platform.publish(
        RENTAL_PAYMENT_RECEIVED,
        PaymentReceived(
            event_id=str(uuid.uuid4()),
            payment_id=f"p-{uuid.uuid4().hex[:10]}",
            user_id=user,
            kind="deposit",
            amount_cents=29_900,
            paid_at=now,
        ),
    )

    async def deposit_arrived() -> dict[str, object] | None:
        response = await lead.get(f"{R}/accounts/{user}")
        body = response.json() if response.status_code == 200 else {}
        return body if body.get("deposit_cents") == 29_900 and body.get("registered") else None

    account = await until(deposit_arrived, what="the deposit in the account")
    assert account["balance_cents"] == 0

    # The code goes out through the notify service; the duty lead reads it from the SMS log
    # as the customer would from their phone.
    sent = await lead.post(f"{R}/topups/codes", {"user_id": user})
    assert sent.status_code == 201, sent.text

    async def code_sent() -> str | None:
        response = await lead.get("/api/v1/notify/sms/latest-code", phone=mobile)
        return response.json()["code"] if response.status_code == 200 else None

    code = await until(code_sent, what="the SMS code in the notify service's log")
    checked = await lead.post(
        f"{R}/topups/identity-checks", {"user_id": user, "method": "sms_code", "code": code}
    )
    assert checked.status_code == 201, checked.text
    body = {
        "user_id": user,
        "amount_cents": 5_000,
        "confirmed_amount_cents": 5_000,
        "verification_id": checked.json()["verification_id"],
        "payment_method": "cash",
        "payer_account": "cash-drawer-7",
    }
    no_key = await lead.client.post(f"{R}/topups", json=body)
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
    topped = await lead.post(f"{R}/topups", body)
    assert topped.status_code == 201, topped.text
    serial = topped.json()["serial_no"]
    assert (await agent.get(f"{R}/topups/{serial}")).json()["amount_cents"] == 5_000

    change = {"deposit_cents": 19_900, "reason": "学生押金标准"}
    assert (await agent.post(f"{R}/accounts/{user}/deposit", change)).status_code == 403
    changed = await ops.post(f"{R}/accounts/{user}/deposit", change)
    assert changed.status_code == 200 and changed.json()["deposit_cents"] == 19_900

    refund = await agent.post(f"{R}/accounts/{user}/refunds", {"kind": "deposit", "reason": "销户"})
    assert refund.status_code == 202 and refund.json()["amount_cents"] == 19_900
    account = (await agent.get(f"{R}/accounts/{user}")).json()
    assert (account["balance_cents"], account["deposit_cents"], account["held_cents"]) == (
        5_000,
        0,
        19_900,
    )

    # The refund service opens it; an ops supervisor approves it inside the daily window;
    # its answer releases the held deposit here, once.
    request_id = refund.json()["request_id"]

    async def opened() -> dict[str, Any] | None:
        response = await ops.get("/api/v1/refunds/requested", request_id=request_id)
        found = [r for r in response.json()["items"] if r["state"] == "awaiting_approval"]
        return found[0] if found else None

    opened_refund = await until(opened, what="the deposit refund opened by the refund service")
    policy = (await ops.get("/api/v1/refunds/policy")).json()
    caps = {k: policy[k] for k in ("daily_amount_cap_cents", "daily_count_cap")}
    whole_day = {"window_start": "00:00:00", "window_end": "23:59:59.999999", **caps}
    assert (await ops.client.put("/api/v1/refunds/policy", json=whole_day)).status_code == 200
    try:
        approve = f"/api/v1/refunds/requested/{opened_refund['refund_id']}/approve"
        approved = await ops.post(approve, {"amount_cents": 19_900, "opinion": "无欠费"})
        assert approved.status_code == 200, approved.text
    finally:
        restore = {k: policy[k] for k in ("window_start", "window_end", *caps)}
        await ops.client.put("/api/v1/refunds/policy", json=restore)

    async def paid_out() -> dict[str, Any] | None:
        body = (await agent.get(f"{R}/accounts/{user}")).json()
        return body if body["refunds"][0]["status"] == "completed" else None

    account = await until(paid_out, what="the refund's outcome applied to the account")
    assert (account["deposit_cents"], account["held_cents"]) == (0, 0)

    today = now.astimezone().date()
    days = {"date_from": str(today - timedelta(days=1)), "date_to": str(today + timedelta(days=1))}
    exported = await cashier.client.get(
        f"{R}/fund-flows/export.csv", params={**days, "user_id": user}
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["kind"], r["amount_cents"]) for r in rows] == [
        ("deposit_paid", "29900"),
        ("top_up", "5000"),
        ("refund_paid", "19900"),
    ]
    assert rows[1]["reference"] == serial
