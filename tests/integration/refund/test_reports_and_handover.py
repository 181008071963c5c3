"""Handover and reports against refund forms driven through the refund service's own API:
the figures are checked against the forms this test creates (its own database, a fixed
business day), the CSV against the seed's columns, and every refusal changes nothing."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.refund.reports.handlers.due import notify_due
from tests.infra import Infra, eventually
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
SHIFT_START = datetime(2026, 3, 10, 8, 0, tzinfo=TZ)
TECH = staff("tech.sun", "tech")
CASHIER = staff("cashier.liu", "cashier")
ACCOUNTANT = staff("acc.he", "accountant")
DIRECTOR = staff("dir.ma", "finance_director")


@pytest.fixture(scope="module")
async def refund(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refund]:
    settings = refund_settings(infra, tmp_path_factory.mktemp("reports"))
    clock = Clock(SHIFT_START + timedelta(hours=2))  # 10:00 on 2026-03-10, Shanghai
    async with running_refund(settings, clock) as running:
        yield running


@pytest.fixture(scope="module")
async def forms(refund: Refund) -> dict[str, dict[str, Any]]:
    """A paid, one sent back by the cashier, C only checked: filed 10:00-10:02."""
    made = {
        "A": await file(refund, "no_order_no", 10000),
        "B": await file(refund, "order_conflict", 2550),
        "C": await file(refund, "payment_timeout", 800),
    }
    for name in ("A", "B", "C"):
        await step(refund, made[name], "lead-check", LEAD)
    for name in ("A", "B"):
        await step(refund, made[name], "tech-verification", TECH, opinion="核实已扣款未出票")
        await step(refund, made[name], "finance-submission", LEAD2)
    await step(refund, made["B"], "cashier-check", CASHIER, "send_back", "银行卡号与订单不符")
    await step(refund, made["A"], "cashier-check", CASHIER, opinion="已核实到账")
    await step(refund, made["A"], "accountant-review", ACCOUNTANT)
    await step(refund, made["A"], "director-approval", DIRECTOR)

    async def completed() -> bool:
        got = await refund.ok("GET", f"/refunds/forms/{made['A']['form_id']}", LEAD)
        return bool(got["state"] == "completed")

    await eventually(completed, within=10, what="form A paid")
    return made


async def file(refund: Refund, cause: str, cents: int) -> dict[str, Any]:
    now = refund.clock.now
    body = {
        "order_no": f"TK{uuid.uuid4().hex[:10]}",
        "purchased_at": (now - timedelta(hours=1)).isoformat(),
        "bank": "工商银行",
        "amount_cents": cents,
        "paid_cents": cents,
        "phone": "13800138000",
        "fault": "扣款成功未收到订单号",
        "cause": cause,
        "customer_opinion": "要求全额退款",
        "complaint_at": (now - timedelta(minutes=5)).isoformat(),
    }
    created: dict[str, Any] = await refund.ok("POST", "/refunds/forms", AGENT, 201, json=body)
    refund.clock.advance(timedelta(minutes=1))
    return created


async def step(
    refund: Refund,
    form: dict[str, Any],
    path: str,
    who: dict[str, str],
    decision: str = "approve",
    opinion: str = "同意",
) -> None:
    await refund.ok(
        "POST",
        f"/refunds/forms/{form['form_id']}/{path}",
        who,
        json={"decision": decision, "opinion": opinion},
    )
    refund.clock.advance(timedelta(minutes=1))


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["form_id"] for i in items]


async def test_daily_fault_statistics_match_the_forms(
    refund: Refund, forms: dict[str, dict[str, Any]]
) -> None:
    report = await refund.ok(
        "GET", "/refunds/reports/daily-faults", LEAD, params={"date": "2026-03-10"}
    )
    by_cause = {c["cause"]: (c["forms"], c["amount_cents"]) for c in report["by_cause"]}
    assert by_cause == {
        "no_order_no": (1, 10000),
        "order_conflict": (1, 2550),
        "payment_timeout": (1, 800),
        "other": (0, 0),
    }
    assert report["filed"] == {"forms": 3, "amount_cents": 13350}
    assert report["submitted_to_finance"] == {"forms": 2, "amount_cents": 12550}
    assert report["paid"] == {"forms": 1, "amount_cents": 10000}
    assert report["sent_back_by_finance"] == {"forms": 1, "amount_cents": 2550}
    other_day = await refund.ok(
        "GET", "/refunds/reports/daily-faults", CASHIER, params={"date": "2026-03-09"}
    )
    assert other_day["filed"] == {"forms": 0, "amount_cents": 0}


async def test_monthly_statistics_of_service_and_finance(
    refund: Refund, forms: dict[str, dict[str, Any]]
) -> None:
    service = await refund.ok(
        "GET", "/refunds/reports/service-monthly", LEAD, params={"month": "2026-03"}
    )
    a, b, c = (forms[n]["form_id"] for n in "ABC")
    assert [r["form_id"] for r in service["rows"]] == [a, b, c]
    assert service["total"] == {"count": 3, "amount_cents": 13350}
    row_a, row_b, row_c = service["rows"]
    assert row_a["contact"] == "138****8000" and row_a["submitter"] == "agent.wu"
    assert row_a["to_tech_at"] and row_a["to_finance_at"] and row_a["customer_told_at"]
    assert row_a["remarks"] == "已退款"
    assert row_b["finance_feedback_at"] and row_b["remarks"] == "已退回：银行卡号与订单不符"
    assert row_c["to_finance_at"] is None and row_c["finance_feedback_at"] is None

    finance = await refund.ok(
        "GET", "/refunds/reports/finance-monthly", CASHIER, params={"month": "2026-03"}
    )
    assert [r["form_id"] for r in finance["rows"]] == [a, b]
    assert finance["total"] == {"count": 2, "amount_cents": 12550}
    fa, fb = finance["rows"]
    assert fa["submitter"] == "lead.zhou"
    assert fa["cashier_check"]["executor"] == "cashier.liu"
    assert fa["director_approval"]["decision"] == "approved"
    assert fb["cashier_check"]["decision"] == "sent_back" and fb["accountant_review"] is None
    empty = await refund.ok(
        "GET", "/refunds/reports/finance-monthly", DIRECTOR, params={"month": "2026-02"}
    )
    assert empty["rows"] == [] and empty["total"] == {"count": 0, "amount_cents": 0}


async def test_the_csv_downloads(refund: Refund, forms: dict[str, dict[str, Any]]) -> None:
    response = await refund.http.get(
        "/refunds/reports/service-monthly.csv", params={"month": "2026-03"}, headers=LEAD
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "service-refunds-2026-03.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "序号", "提交日期", "退单编号", "订单号", "联系方式", "开户行", "金额", "提交人",
        "提交技术部时间", "提交财务时间", "财务反馈时间", "反馈用户时间", "备注",
    ]  # fmt: skip
    assert [r[2] for r in rows[1:4]] == [forms[n]["form_id"] for n in "ABC"]
    assert rows[1][1] == "2026-03-10" and rows[1][6] == "100.00" and rows[1][4] == "138****8000"
    assert rows[-1][:2] == ["合计", "3单"] and rows[-1][6] == "133.50"

    finance = await refund.http.get(
        "/refunds/reports/finance-monthly.csv", params={"month": "2026-03"}, headers=ACCOUNTANT
    )
    frows = list(csv.reader(io.StringIO(finance.content.decode("utf-8-sig"))))
    assert frows[0][7:10] == ["出纳核实", "会计复核", "财务总监审核"]
    assert frows[1][7].startswith("通过 cashier.liu 已核实到账 2026-03-10 ")
    assert frows[2][7].startswith("退回 cashier.liu 银行卡号与订单不符")
    assert frows[-1][5] == "125.50"
    daily = await refund.http.get(
        "/refunds/reports/daily-faults.csv", params={"date": "2026-03-10"}, headers=LEAD
    )
    assert ["合计", "3", "133.50"] in list(csv.reader(io.StringIO(daily.text.lstrip("\ufeff"))))


async def test_reports_are_for_their_departments(refund: Refund) -> None:
    month = {"month": "2026-03"}
    await refund.refused(
        "GET", "/refunds/reports/service-monthly", CASHIER, 403, "role_required", params=month
    )
    await refund.refused(
        "GET", "/refunds/reports/finance-monthly.csv", LEAD, 403, "role_required", params=month
    )
    await refund.refused(
        "GET", "/refunds/reports/daily-faults", AGENT, 403, "role_required",
        params={"date": "2026-03-10"},
    )  # fmt: skip
    await refund.refused(
        "GET", "/refunds/reports/service-monthly", LEAD, 422, "invalid_period",
        params={"month": "2026-3"},
    )  # fmt: skip


async def test_a_handover_lists_what_finance_did_and_the_next_lead_acknowledges(
    refund: Refund, forms: dict[str, dict[str, Any]]
) -> None:
    b = forms["B"]["form_id"]
    refund.clock.advance(timedelta(minutes=1))  # the shift ends after the payout
    body: dict[str, Any] = {
        "shift": "day",
        "period_start": SHIFT_START.isoformat(),
        "period_end": refund.clock.now.isoformat(),
        "finished": ["回复客户张先生退款进度", "整理当日故障统计表"],
        "attendance": {
            "expected": ["王明", "周丽", "李强"],
            "present": ["王明", "周丽"],
            "late": ["周丽"],
            "absent": ["李强"],
        },
        "cleaning": {"done": True, "responsible": "王明"},
        "follow_ups": [
            {
                "cause": "银行卡号与订单不符，财务退回",
                "progress": "已联系客户核对卡号",
                "next_step": "客户回电后更正并重新提交",
                "contact": "李女士",
                "form_id": b,
            }
        ],
    }
    await refund.refused("POST", "/refunds/handovers", AGENT, 403, "role_required", json=body)
    for wrong in (
        {k: v for k, v in body.items() if k != "attendance"},  # every line is filled
        {**body, "attendance": {**body["attendance"], "absent": []}},  # 李强 unaccounted for
        {**body, "cleaning": {"done": True, "responsible": ""}},
    ):
        answer = await refund.http.post("/refunds/handovers", json=wrong, headers=LEAD)
        assert answer.status_code == 422, answer.text
    made = await refund.ok("POST", "/refunds/handovers", LEAD, 201, json=body)
    assert made["attendance"] == {**body["attendance"], "left_early": []}
    assert made["cleaning"] == {"done": True, "responsible": "王明", "note": ""}
    a = forms["A"]["form_id"]
    assert ids(made["submitted_to_finance"]) == [a, b]
    assert ids(made["sent_back_by_finance"]) == [b]
    assert made["sent_back_by_finance"][0]["reason"] == "银行卡号与订单不符"
    assert [(x["form_id"], x["result"]) for x in made["finance_handled"]] == [(a, "已退款")]
    follow = made["follow_ups"][0]
    assert (follow["phone"], follow["amount_cents"], follow["bank"]) == (
        "13800138000",
        2550,
        "工商银行",
    )

    path = f"/refunds/handovers/{made['id']}"
    # acknowledge is offered to another duty lead only, and what is not offered is refused
    assert made["actions"] == [] and (await refund.ok("GET", path, LEAD))["actions"] == []
    await refund.refused("POST", f"{path}/acknowledge", LEAD, 403, "same_person")
    await refund.refused("POST", f"{path}/acknowledge", CASHIER, 403, "role_required")
    still = await refund.ok("GET", path, LEAD2)
    assert still["acknowledged_by"] is None and still["actions"] == ["acknowledge"]
    waiting = await refund.ok("GET", "/refunds/handovers", LEAD2, params={"acknowledged": "false"})
    assert [h["actions"] for h in waiting["items"] if h["id"] == made["id"]] == [["acknowledge"]]
    done = await refund.ok("POST", f"{path}/acknowledge", LEAD2)
    assert done["acknowledged_by"] == "lead.zhou" and done["acknowledged_at"]
    assert done["actions"] == []
    assert (await refund.ok("GET", path, staff("lead.li", "duty_lead")))["actions"] == []
    await refund.refused(
        "POST", f"{path}/acknowledge", staff("lead.li", "duty_lead"), 409,
        "handover_already_acknowledged",
    )  # fmt: skip
    listed = await refund.ok("GET", "/refunds/handovers", LEAD, params={"acknowledged": "true"})
    mine = [h for h in listed["items"] if h["id"] == made["id"]]
    assert mine[0]["follow_ups"][0]["phone"] == "138****8000"


async def test_bad_handovers_change_nothing(refund: Refund) -> None:
    before = await refund.ok("GET", "/refunds/handovers", LEAD)
    now = refund.clock.now
    base = {
        "shift": "middle",
        "period_start": (now - timedelta(hours=8)).isoformat(),
        "attendance": {"expected": ["王明"], "present": ["王明"]},
        "cleaning": {"done": False, "responsible": "王明", "note": "拖把坏了"},
    }
    await refund.refused(
        "POST", "/refunds/handovers", LEAD, 422, "invalid_period",
        json={**base, "period_end": (now + timedelta(hours=2)).isoformat()},
    )  # fmt: skip
    unknown_form = {
        "cause": "c", "progress": "p", "next_step": "n", "contact": "x", "form_id": "RF-NONE",
    }  # fmt: skip
    await refund.refused(
        "POST", "/refunds/handovers", LEAD, 404, "refund_form_not_found",
        json={**base, "period_end": now.isoformat(), "follow_ups": [unknown_form]},
    )  # fmt: skip
    await refund.refused(
        "POST", "/refunds/handovers/987654/acknowledge", LEAD2, 404, "handover_not_found"
    )
    assert (await refund.ok("GET", "/refunds/handovers", LEAD))["items"] == before["items"]


async def test_the_departments_are_told_when_last_months_statistics_are_due(
    refund: Refund,
) -> None:
    async def notices() -> list[dict[str, Any]] | None:
        rows = await refund.pool.fetch(
            "SELECT payload FROM outbox WHERE topic = 'notify.inapp.requested.v1' ORDER BY id"
        )
        found = [json.loads(bytes(r["payload"])) for r in rows]
        mine = [p for p in found if p["dedupe_key"].startswith("refund:report:")]
        return mine if len(mine) == 2 else None

    # The clock says 10 March 2026: February's are due since Monday 2 March (1 March is a Sunday).
    sent = await eventually(notices, within=5, what="the monthly notices")
    assert {(p["dedupe_key"], p["recipient"]) for p in sent} == {
        ("refund:report:2026-02:service:lead", "lead"),
        ("refund:report:2026-02:finance:accountant", "accountant"),
    }
    assert sent[0]["template_id"] == "refund_monthly_report_due"
    assert sent[0]["params"]["due_on"] == "2026-03-02"
    assert await notify_due(refund.app.state.reports) == 0  # once per month, ever


async def test_the_notices_sleep_until_their_due_day_and_a_moved_clock_wakes_them(
    infra: Infra, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = refund_settings(infra, tmp_path_factory.mktemp("due_day"))
    # Saturday 1 August 2026: July's are due on Monday the 3rd, nothing is due yet
    clock = Clock(datetime(2026, 8, 1, 10, 0, tzinfo=TZ))
    async with running_refund(settings, clock) as refund:

        async def claimed() -> list[str]:
            rows = await refund.pool.fetch("SELECT department FROM refund_report_notices")
            return sorted(r["department"] for r in rows)

        async def both() -> list[str] | None:
            told = await claimed()
            return told if len(told) == 2 else None  # each department in its own transaction

        await asyncio.sleep(0.5)  # asleep until the due day (its backstop: a minute)
        assert await claimed() == []
        clock.advance(timedelta(days=1, hours=14))  # Monday the 3rd, 00:00
        told = await eventually(both, within=10, what="July's notices on the due day")
        assert told == ["finance", "service"]
