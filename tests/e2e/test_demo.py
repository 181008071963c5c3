"""`kefu demo` against a running stack, as a user runs it from a second terminal: it finds
the stack's settings in KEFU_HOME/stack.env, fills every screen, and a second run changes
nothing."""

from __future__ import annotations

from typing import Any

import pytest

from shared.devstack.stack import Stack
from tests.e2e.conftest import _signed_in
from tests.e2e.demoed import Demoed, demoed, run_kefu_demo
from tests.e2e.helpers import Agent
from tests.infra import eventually as until

pytestmark = pytest.mark.e2e
__all__ = ["demoed"]  # the package's demo'd stack, shared with test_demo_readme.py


async def _items(who: Agent, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await who.get(path, **params)
    assert response.status_code == 200, (path, response.text)
    body = response.json()
    items: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
    return items


async def _statuses(who: Agent, path: str, field: str, **params: Any) -> set[str]:
    return {str(item[field]) for item in await _items(who, path, limit=100, **params)}


async def test_kefu_demo_fills_every_screen(demoed: Demoed, stack: Stack) -> None:
    out = demoed.output
    assert "Five things to try" in out and out.count("curl -s") == 5, out
    people = {n: Agent(await _signed_in(stack, n)) for n in ("agent", "ops", "lead")}
    agent, ops, lead = people["agent"], people["ops"], people["lead"]
    try:
        for status in ("available", "used", "expired", "voided"):
            assert await _items(agent, "/api/v1/vouchers", status=status, limit=1), status

        async def trips() -> set[str] | None:
            found = await _statuses(agent, "/api/v1/rental/orders", "status")
            return found if found >= {"renting", "temporarily_returned", "ended"} else None

        await until(trips, what="trips in every state")
        guide = (await agent.get("/api/v1/rental/guide")).json()
        # the demo writes its two versions where no guide exists yet, and leaves alone a
        # guide someone saved first (on this shared stack, a console test may have)
        assert guide["version"] == 2 if guide["saved_by"] == "ops" else guide["version"] >= 1
        account = (await agent.get("/api/v1/rental/accounts/U2001")).json()
        assert account["balance_cents"] > 0 and account["deposit_cents"] > 0, account
        forms = await _statuses(lead, "/api/v1/refunds/forms", "state")
        waiting = {
            "awaiting_lead_check", "awaiting_tech_verification", "awaiting_finance_submission",
            "awaiting_cashier_check", "awaiting_accountant_review", "awaiting_director_approval",
            "sent_back",
        }  # fmt: skip
        assert forms >= waiting, forms
        for order, late in (("TK0020180000", True), ("TK0020180001", False)):
            [form] = await _items(lead, "/api/v1/refunds/forms", order_no=order)
            detail = (await lead.get(f"/api/v1/refunds/forms/{form['form_id']}")).json()
            [filing] = [d for d in detail["deadlines"] if d["step"] == "filing"]
            assert (filing["breached_at"] is not None) is late, (order, filing)

        async def told() -> list[dict[str, Any]] | None:
            inbox = await _items(agent, "/api/v1/notify/inbox/me")
            kinds = {m["template_id"] for m in inbox}
            return inbox if {"refund_form_paid", "refund_form_sent_back"} <= kinds else None

        await until(told, what="the agent told of the paid and the sent-back forms")

        async def requested() -> list[dict[str, Any]] | None:
            found = await _items(ops, "/api/v1/refunds/requested", user_id="U2006")
            return found or None

        await until(requested, what="the deposit refund requested by the rental service")
        tickets = await _statuses(agent, "/api/v1/aftersales/tickets", "status")
        assert tickets >= {
            "awaiting_review", "awaiting_customer", "awaiting_receipt", "awaiting_processing",
            "completed", "rejected", "closed",
        }, tickets  # fmt: skip
        sellers = await _statuses(ops, "/api/v1/aftersales/activations", "status")
        assert sellers >= {"pending_review", "approved", "rejected"}, sellers
        announcements = await _statuses(ops, "/api/v1/notify/announcements", "status")
        assert announcements >= {"draft", "online", "offline"}, announcements
        assert await _items(lead, "/api/v1/notify/sms", limit=5)
    finally:
        for person in people.values():
            await person.client.aclose()


async def _counts(agent: Agent, lead: Agent) -> dict[str, int]:
    return {
        "voided vouchers": len(await _items(agent, "/api/v1/vouchers", status="voided", limit=100)),
        "rental orders": len(await _items(agent, "/api/v1/rental/orders", limit=100)),
        "forms": len(await _items(lead, "/api/v1/refunds/forms", limit=100)),
        "tickets": len(await _items(agent, "/api/v1/aftersales/tickets", limit=100)),
        "announcements": len(await _items(lead, "/api/v1/notify/announcements", limit=100)),
        "top-ups": len(await _items(lead, "/api/v1/rental/topups", user_id="U2001")),
        "balance": int((await agent.get("/api/v1/rental/accounts/U2001")).json()["balance_cents"]),
    }


async def test_running_kefu_demo_again_changes_nothing(demoed: Demoed, stack: Stack) -> None:
    agent, lead = Agent(await _signed_in(stack, "agent")), Agent(await _signed_in(stack, "lead"))
    try:
        before = await _counts(agent, lead)
        again = run_kefu_demo(stack)
        assert again.splitlines()[-5:] == demoed.output.splitlines()[-5:]  # the same ids
        after = await _counts(agent, lead)
        assert after == before
    finally:
        await agent.client.aclose()
        await lead.client.aclose()
