"""The monthly refund statistics (seed 003, issue 12 point 14): the department head
approves the ended month, the admin/HR office verifies and archives it; from the approval
on, the table is the stored one, never recomputed; an archived month takes only the
follow-up section (后期执行情况跟踪)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from tests.infra import Infra
from tests.integration.refund.aftersales_fixtures import (
    AGENT,
    LEAD,
    LEAD2,
    Clock,
    Refund,
    refund_settings,
    running_refund,
    staff,
)

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Asia/Shanghai")
HR = staff("hr.qian", "admin_hr")
DIRECTOR = staff("dir.ma", "finance_director")
CASHIER = staff("cashier.liu", "cashier")
STATS = "/refunds/reports/monthly-statistics"
MARCH = f"{STATS}/2026-03/service"


@pytest.fixture(scope="module")
async def refund(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refund]:
    settings = refund_settings(infra, tmp_path_factory.mktemp("statistics"))
    async with running_refund(settings, Clock(datetime(2026, 3, 30, 10, 0, tzinfo=TZ))) as r:
        yield r


async def file(refund: Refund) -> dict[str, Any]:
    now = refund.clock.now
    body = {
        "order_no": f"TK{uuid.uuid4().hex[:10]}",
        "purchased_at": (now - timedelta(hours=1)).isoformat(),
        "bank": "工商银行",
        "amount_cents": 2550,
        "paid_cents": 2550,
        "phone": "13800138000",
        "fault": "扣款成功未收到订单号",
        "cause": "no_order_no",
        "customer_opinion": "要求全额退款",
        "complaint_at": (now - timedelta(minutes=5)).isoformat(),
    }
    made: dict[str, Any] = await refund.ok("POST", "/refunds/forms", AGENT, 201, json=body)
    return made


async def decide(
    refund: Refund, action: str, who: dict[str, str], body: Any = None, path: str = MARCH
) -> dict[str, Any]:
    answer: dict[str, Any] = await refund.ok("POST", f"{path}/{action}", who, json=body)
    return answer


async def test_the_head_approves_the_office_verifies_and_archives_a_frozen_month(
    refund: Refund,
) -> None:
    first, second = await file(refund), await file(refund)
    await refund.refused("POST", f"{MARCH}/approve", LEAD, 409, "month_not_over")
    draft = await refund.ok("GET", MARCH, LEAD)
    assert draft["state"] == "draft" and draft["actions"] == [] and draft["total"] is None
    assert draft["due_on"] == "2026-04-01"

    refund.clock.advance(timedelta(days=3))  # 2 April: March is over
    assert (await refund.ok("GET", MARCH, LEAD))["actions"] == ["approve"]
    assert (await refund.ok("GET", MARCH, HR))["actions"] == []
    await refund.refused("GET", MARCH, CASHIER, 403, "role_required")
    await refund.refused("POST", f"{MARCH}/approve", DIRECTOR, 403, "role_required")
    await refund.refused("POST", f"{MARCH}/verify", HR, 409, "wrong_state")
    approved = await decide(refund, "approve", LEAD, {"opinion": "本月统计无误"})
    assert approved["state"] == "approved" and approved["approved"]["by"] == "lead.wang"
    assert approved["total"] == {"count": 2, "amount_cents": 5100}
    assert approved["actions"] == [] and (await refund.ok("GET", MARCH, HR))["actions"] == [
        "return",
        "verify",
    ]

    # the form moves on in April: the approved table does not
    table = await refund.ok("GET", "/refunds/reports/service-monthly", HR, params=_month())
    assert table["state"] == "approved"
    assert {r["form_id"]: r["to_tech_at"] for r in table["rows"]} == {
        first["form_id"]: None,
        second["form_id"]: None,
    }
    await refund.ok(
        "POST",
        f"/refunds/forms/{first['form_id']}/lead-check",
        LEAD2,
        json={"decision": "approve", "opinion": "ok"},
    )
    assert await refund.ok("GET", "/refunds/reports/service-monthly", LEAD, params=_month()) == (
        table
    )
    # returned, it is computed again; approved again, stored again
    await refund.refused(
        "POST", f"{MARCH}/return", HR, 422, "reason_required", json={"reason": " "}
    )
    returned = await decide(refund, "return", HR, {"reason": "请补充提交技术部时间"})
    assert (
        returned["state"] == "returned" and returned["returned"]["text"] == "请补充提交技术部时间"
    )
    live = await refund.ok("GET", "/refunds/reports/service-monthly", LEAD, params=_month())
    assert live["state"] == "returned"
    assert {r["form_id"]: r["to_tech_at"] is not None for r in live["rows"]} == {
        first["form_id"]: True,
        second["form_id"]: False,
    }
    await decide(refund, "approve", LEAD2)
    await refund.refused("POST", f"{MARCH}/verify", LEAD, 403, "role_required")
    verified = await decide(refund, "verify", HR, {"opinion": "已核实"})
    assert verified["verified"] == {
        "by": "hr.qian",
        "at": verified["verified"]["at"],
        "text": "已核实",
    }
    await refund.refused("POST", f"{MARCH}/follow-ups", HR, 409, "wrong_state", json={"note": "x"})
    archived = await decide(refund, "archive", HR)
    assert archived["state"] == "archived" and archived["actions"] == ["follow_up"]
    for action, body in (("approve", None), ("return", {"reason": "r"}), ("verify", None)):
        who = LEAD if action == "approve" else HR
        await refund.refused("POST", f"{MARCH}/{action}", who, 409, "wrong_state", json=body)
    noted = await decide(refund, "follow-ups", HR, {"note": "两笔退款均已于4月3日处理完毕"})
    assert [f["opinion"] for f in noted["follow_ups"]] == ["两笔退款均已于4月3日处理完毕"]
    assert [h["action"] for h in noted["history"]] == [
        "approve",
        "return",
        "approve",
        "verify",
        "archive",
        "follow_up",
    ]
    with pytest.raises(asyncpg.RaiseError, match="archived"):
        await refund.pool.execute(
            "UPDATE refund_monthly_statistics SET rows = '[]' WHERE id = '2026-03:service'"
        )
    frozen = await refund.ok("GET", "/refunds/reports/service-monthly", HR, params=_month())
    assert frozen["state"] == "archived" and len(frozen["rows"]) == 2


async def test_the_office_never_verifies_what_it_approved_and_lists_both_departments(
    refund: Refund,
) -> None:
    both = staff("boss.sun", "finance_director", "admin_hr")
    february = f"{STATS}/2026-02/finance"
    await decide(refund, "approve", both, path=february)
    await refund.refused("POST", f"{february}/verify", both, 403, "same_person")
    assert (await refund.ok("GET", february, both))["actions"] == ["return"]
    await decide(refund, "verify", HR, path=february)
    listed = await refund.ok("GET", STATS, HR)
    assert {(m["month"], m["department"]) for m in listed["items"]} >= {
        ("2026-03", "service"),
        ("2026-02", "finance"),
    }
    mine = await refund.ok("GET", STATS, LEAD)
    assert {m["department"] for m in mine["items"]} == {"service"}
    waiting = await refund.ok("GET", STATS, HR, params={"state": "verified"})
    assert [(m["month"], m["actions"]) for m in waiting["items"]] == [
        ("2026-02", ["return", "archive"])
    ]
    await refund.refused("GET", STATS, LEAD, 403, "role_required", params={"department": "finance"})
    await refund.refused("GET", STATS, LEAD, 422, "unknown_filter", params={"month": "2026-02"})
    await refund.refused("GET", STATS, LEAD, 422, "invalid_cursor", params={"cursor": "x"})
    await refund.refused("GET", f"{STATS}/2026-13/service", HR, 422, "invalid_period")


async def messages(refund: Refund) -> list[dict[str, Any]]:
    """The in-app messages the statistics' decisions left in the outbox, oldest first."""
    rows = await refund.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = 'notify.inapp.requested.v1' ORDER BY id"
    )
    found = [json.loads(bytes(r["payload"])) for r in rows]
    decided = {"refund_monthly_report_approved", "refund_monthly_report_returned"}
    return [m for m in found if m["template_id"] in decided]


def _month() -> dict[str, str]:
    return {"month": "2026-03"}
