"""Refund forms through the gateway, with real processes: the whole chain from the agent's
form to the customer's SMS, refusals at the gateway, and a crash of the refund service
between the payout and our record of it."""

from __future__ import annotations

import os
import random
import signal
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from shared.contracts import REFUND_COMPLETED, REFUND_REQUESTED, RefundRequested
from shared.devstack.stack import Stack
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.helpers import Agent, Platform
from tests.infra import eventually as until

pytestmark = pytest.mark.e2e
CHAIN = (
    ("lead-check", "lead"),
    ("tech-verification", "tech"),
    ("finance-submission", "lead2"),
    ("cashier-check", "cashier"),
    ("accountant-review", "accountant"),
    ("director-approval", "director"),
)


class Staff:
    """Everyone on the chain, each signed in at the gateway."""

    def __init__(self, stack: Stack, sessions: dict[str, Agent]) -> None:
        self.stack = stack
        self.sessions = sessions

    def __getitem__(self, username: str) -> Agent:
        return self.sessions[username]

    async def file(self, amount_cents: int) -> dict[str, Any]:
        now = datetime.now(UTC)
        body = {
            "order_no": f"TK{uuid.uuid4().hex[:14].upper()}",
            "purchased_at": (now - timedelta(hours=2)).isoformat(),
            "bank": "招商银行",
            "amount_cents": amount_cents,
            "paid_cents": amount_cents,
            "phone": f"158{random.randrange(10**8):08d}",
            "fault": "支付成功但支付超时",
            "cause": "payment_timeout",
            "customer_opinion": "退回原卡",
            "complaint_at": (now - timedelta(minutes=3)).isoformat(),
        }
        response = await self["agent"].post("/api/v1/refunds/forms", body)
        assert response.status_code == 201, response.text
        form: dict[str, Any] = response.json()
        return form

    async def through_finance(self, form_id: str) -> None:
        for path, who in CHAIN:
            response = await self[who].post(
                f"/api/v1/refunds/forms/{form_id}/{path}", {"opinion": f"{who}: 同意"}
            )
            assert response.status_code == 200, (path, response.text)

    async def form(self, form_id: str) -> dict[str, Any]:
        response = await self["agent"].get(f"/api/v1/refunds/forms/{form_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def completed(self, form_id: str, within: float = 30.0) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            assert self.stack.check(), "the supervisor gave up"  # restarts the dead when due
            response = await self["agent"].get(f"/api/v1/refunds/forms/{form_id}")
            if response.status_code == 503:  # the refund service is restarting
                return None
            assert response.status_code == 200, response.text
            form: dict[str, Any] = response.json()
            return form if form["state"] == "completed" else None

        return await until(probe, within=within, what=f"{form_id} completed")


@pytest.fixture
async def staff(stack: Stack) -> AsyncIterator[Staff]:
    sessions: dict[str, Agent] = {}
    try:
        for username in {"agent", "ops", *(who for _, who in CHAIN)}:
            client = httpx.AsyncClient(base_url=stack.gateway_url, timeout=15.0)
            response = await client.post(
                "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 200, response.text
            client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
            sessions[username] = Agent(client)
        yield Staff(stack, sessions)
    finally:
        for session in sessions.values():
            await session.client.aclose()


async def test_a_refund_form_goes_from_the_agent_to_the_customers_sms(staff: Staff) -> None:
    form = await staff.file(amount_cents=8800)
    form_id = form["form_id"]
    # the gateway's role table: a technician does not check forms; money needs a key
    refused = await staff["tech"].post(f"/api/v1/refunds/forms/{form_id}/lead-check", {})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    keyless = await staff["director"].client.post(
        f"/api/v1/refunds/forms/{form_id}/director-approval", json={}
    )
    assert keyless.status_code == 400 and keyless.json()["code"] == "idempotency_key_required"
    # the service's rule: the duty lead who checked it does not submit it too
    await staff["lead"].post(f"/api/v1/refunds/forms/{form_id}/lead-check", {"opinion": "ok"})
    twice = await staff["lead"].post(f"/api/v1/refunds/forms/{form_id}/tech-verification", {})
    assert twice.status_code == 403
    await staff["tech"].post(
        f"/api/v1/refunds/forms/{form_id}/tech-verification", {"opinion": "银行已扣款，未出票"}
    )
    same = await staff["lead"].post(f"/api/v1/refunds/forms/{form_id}/finance-submission", {})
    assert same.status_code == 403 and same.json()["code"] == "same_person_twice"
    for path, who in CHAIN[2:]:
        response = await staff[who].post(f"/api/v1/refunds/forms/{form_id}/{path}", {})
        assert response.status_code == 200, response.text
    done = await staff.completed(form_id)
    assert [s["step"] for s in done["steps"]][-3:] == ["paid", "agent_told", "customer_told"]

    async def agent_told() -> list[Any] | None:
        inbox = (await staff["agent"].get("/api/v1/notify/inbox/me")).json()["items"]
        told = [m for m in inbox if form_id in m["body"]]
        return told or None

    told = await until(agent_told, what="the agent's in-app message")
    assert "88.00" in told[0]["body"]

    async def customer_texted() -> list[Any] | None:
        response = await staff["agent"].get("/api/v1/notify/sms", phone=form["phone"])
        items = [s for s in response.json()["items"] if s["template_id"] == "refund_paid"]
        return items or None

    sms = await until(customer_texted, what="the customer's SMS")
    assert form["order_no"] in sms[0]["text"]


async def test_killing_the_refund_service_between_payout_and_record_pays_once(
    staff: Staff, stack: Stack
) -> None:
    form = await staff.file(amount_cents=7097)  # .97: the sandbox pays, then answers 3 s late
    form_id = form["form_id"]
    await staff.through_finance(form_id)
    db = await asyncpg.connect(stack.settings.database_url_for("refund"))
    try:

        async def paid_not_recorded() -> bool:
            ledger = await db.fetchval(
                "SELECT count(*) FROM sandbox_payment.payouts WHERE payout_id = $1",
                f"form-{form_id}",
            )
            state = await db.fetchval("SELECT state FROM refund_forms WHERE form_id = $1", form_id)
            return bool(ledger == 1 and state == "paying")

        await until(paid_not_recorded, what="paid at the provider, not yet recorded")
        child = stack.children["refund"]
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        done = await staff.completed(form_id, within=60.0)
        ledger = await db.fetch(
            "SELECT * FROM sandbox_payment.payouts WHERE payout_id = $1", f"form-{form_id}"
        )
        asked = await db.fetchval(
            "SELECT count(*) FROM sandbox_payment.payout_attempts WHERE payout_id = $1",
            f"form-{form_id}",
        )
    finally:
        await db.close()
    assert len(ledger) == 1 and ledger[0]["reference"] == done["payout_reference"]
    assert asked == 2, "asked again after the crash, answered with the first payout"
    stack.wait_healthy(timeout=30)


async def test_an_open_form_shows_on_the_steps_due_gauge(staff: Staff, stack: Stack) -> None:
    url = f"http://{stack.settings.host}:{stack.settings.metrics_port_of('refund')}/metrics"
    async with httpx.AsyncClient(timeout=5.0) as client:  # not on the API's port: a caller's
        assert (await client.get(f"{stack.settings.url_of('refund')}/metrics")).status_code == 401
        gateway = await client.get(f"{stack.settings.url_of('gateway')}/metrics")
        assert "kefu_" not in gateway.text and "# HELP" not in gateway.text

    async def due_soon() -> tuple[float] | None:
        """The submission step's due-soon count (the stack counts 120 minutes as soon)."""
        async with httpx.AsyncClient(timeout=5.0) as client:
            text = (await client.get(url)).text
        for line in text.splitlines():
            if (
                line.startswith("kefu_refund_steps_due{")
                and 'kefu_step="submission_to_finance"' in line
                and 'kefu_window="due_soon"' in line
            ):
                return (float(line.rsplit(" ", 1)[1]),)
        return None

    [before] = await until(due_soon, within=20.0, what="kefu_refund_steps_due exported")
    await staff.file(amount_cents=1200)  # left open: its 60-minute submission limit runs

    async def counted() -> bool:
        now = await due_soon()
        return now is not None and now[0] > before

    await until(counted, within=20.0, what="the new form counted due soon")


async def test_a_rental_deposit_refund_is_approved_by_ops_and_answered_once(
    staff: Staff, platform: Platform
) -> None:
    ops = staff["ops"]
    request = RefundRequested(
        request_id=f"rental-deposit-{uuid.uuid4().hex[:12]}",
        requester="e2e",  # not the rental service: its consumer must not act on this
        kind="deposit",
        user_id=f"U{uuid.uuid4().hex[:10]}",
        amount_cents=19900,
        reason="用户注销，退押金",
        requested_by="agent",
        requested_at=datetime.now(UTC),
    )
    await platform.publish(REFUND_REQUESTED, request)
    await platform.publish(REFUND_REQUESTED, request)  # at least once: a repeat changes nothing

    async def opened() -> list[Any] | None:
        response = await ops.get("/api/v1/refunds/requested", request_id=request.request_id)
        found = [r for r in response.json()["items"] if r["state"] == "awaiting_approval"]
        return found or None

    [refund] = await until(opened, what="the requested refund opened")
    policy = (await ops.get("/api/v1/refunds/policy")).json()
    window = {k: policy[k] for k in ("daily_amount_cap_cents", "daily_count_cap")}
    day = {"window_start": "00:00:00", "window_end": "23:59:59.999999", **window}
    assert (await ops.client.put("/api/v1/refunds/policy", json=day)).status_code == 200
    try:
        path = f"/api/v1/refunds/requested/{refund['refund_id']}/approve"
        agent = await staff["agent"].post(path, {"amount_cents": 19900})
        assert agent.status_code == 403
        approved = await ops.post(path, {"amount_cents": 19900, "opinion": "无欠费"})
        assert approved.status_code == 200, approved.text
    finally:
        restore = {k: policy[k] for k in ("window_start", "window_end", *window)}
        await ops.client.put("/api/v1/refunds/policy", json=restore)
    [done] = await platform.read(
        REFUND_COMPLETED.name, lambda r: request.request_id.encode() in r.value
    )
    assert b'"approved_by":"ops"' in done.value
    with pytest.raises(AssertionError):  # no second outcome for the repeated request
        await platform.read(
            REFUND_COMPLETED.name,
            lambda r: request.request_id.encode() in r.value,
            count=2,
            within=3.0,
        )


async def test_a_refused_form_is_closed_and_the_lists_answer_through_the_gateway(
    staff: Staff,
) -> None:
    form = await staff.file(amount_cents=6600)
    form_id = form["form_id"]
    for path, who in CHAIN[:3]:
        response = await staff[who].post(
            f"/api/v1/refunds/forms/{form_id}/{path}", {"opinion": "核实无误"}
        )
        assert response.status_code == 200, response.text
    # the cashier's queue holds it, with the finance limit's due time and the actions
    queue = (await staff["cashier"].get("/api/v1/refunds/forms/queue", limit=200)).json()
    queued = [f for f in queue["items"] if f["form_id"] == form_id]
    assert queued[0]["due_limit"] == "finance" and queued[0]["actions"] == ["cashier_check"]
    back = await staff["cashier"].post(
        f"/api/v1/refunds/forms/{form_id}/cashier-check",
        {"decision": "send_back", "opinion": "款项未到账"},
    )
    assert back.status_code == 200 and back.json()["actions"] == ["close"]
    denied = await staff["agent"].post(f"/api/v1/refunds/forms/{form_id}/close", {"reason": "x"})
    assert denied.status_code == 403
    closed = await staff["cashier"].post(
        f"/api/v1/refunds/forms/{form_id}/close", {"reason": "经核实款项未到账，不予处理"}
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"

    async def customer_texted() -> list[Any] | None:
        response = await staff["agent"].get("/api/v1/notify/sms", phone=form["phone"])
        items = [s for s in response.json()["items"] if s["template_id"] == "refund_refused"]
        return items or None

    sms = await until(customer_texted, what="the customer's refund_refused SMS")
    assert "不予退款" in sms[0]["text"] and form["order_no"] in sms[0]["text"]

    async def agent_told() -> list[Any] | None:
        inbox = (await staff["agent"].get("/api/v1/notify/inbox/me")).json()["items"]
        return [m for m in inbox if form_id in m["body"] and "已关闭" in m["body"]] or None

    await until(agent_told, what="the agent's refund_form_closed message")
    found = await staff["agent"].get(
        "/api/v1/refunds/forms", phone=form["phone"][-4:], state="closed"
    )
    assert form_id in {f["form_id"] for f in found.json()["items"]}
    # every list: a garbage cursor and an unknown filter are refused through the gateway
    for who, path in (
        ("agent", "/api/v1/refunds/forms"),
        ("cashier", "/api/v1/refunds/forms/queue"),
        ("ops", "/api/v1/refunds/requested"),
        ("cashier", "/api/v1/refunds/payouts/attention"),
        ("lead", "/api/v1/refunds/handovers"),
    ):
        garbage = await staff[who].get(path, cursor="garbage")
        assert (garbage.status_code, garbage.json()["code"]) == (422, "invalid_cursor"), path
        unknown = await staff[who].get(path, mobile="13800138000")
        assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_filter"), path
