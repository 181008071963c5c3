"""The monthly tables (the seed's columns, totals), the daily faults, periods and CSV cells."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.refund.domain import periods
from services.refund.domain.errors import InvalidPeriod
from services.refund.reports.domain import daily, due, monthly, tables
from services.refund.reports.domain.finance import StepEvent
from services.refund.reports.domain.monthly import FormRecord
from shared.masking import mask_phone

TZ = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


def form(form_id: str, amount: int, state: str, *steps: StepEvent, **kw: object) -> FormRecord:
    return FormRecord(
        form_id=form_id,
        order_no=f"TK{form_id}",
        phone="13800138000",
        bank="工商银行",
        amount_cents=amount,
        filed_by="agent.wu",
        filed_at=kw.get("filed_at", T),  # type: ignore[arg-type]
        state=state,
        submitted_to_finance_at=kw.get("submitted"),  # type: ignore[arg-type]
        sent_back_reason=kw.get("reason"),  # type: ignore[arg-type]
        steps=steps,
    )


PAID = form(
    "A",
    10000,
    "completed",
    StepEvent("A", "lead_check", "approved", "", "lead.wang", at(1)),
    StepEvent("A", "finance_submission", "approved", "", "lead.zhou", at(3)),
    StepEvent("A", "cashier_check", "approved", "核实无误", "cashier.liu", at(4)),
    StepEvent("A", "accountant_review", "approved", "", "acc.he", at(5)),
    StepEvent("A", "director_approval", "approved", "", "dir.ma", at(6)),
    StepEvent("A", "paid", "done", "", "system", at(7)),
    StepEvent("A", "agent_told", "done", "", "system", at(8)),
    StepEvent("A", "customer_told", "done", "", "system", at(9)),
    submitted=at(3),
)
SENT_BACK = form(
    "B",
    2550,
    "sent_back",
    StepEvent("B", "lead_check", "approved", "", "lead.wang", at(1)),
    StepEvent("B", "finance_submission", "approved", "", "lead.zhou", at(3)),
    StepEvent("B", "cashier_check", "sent_back", "卡号不符", "cashier.liu", at(10)),
    submitted=at(3),
    reason="卡号不符",
    filed_at=at(-1),
)


def test_service_rows_have_the_seed_columns() -> None:
    rows = monthly.service_rows([PAID, SENT_BACK])
    assert [r.form_id for r in rows] == ["B", "A"]  # by submission date
    a = rows[1]
    assert (a.seq, a.to_tech_at, a.to_finance_at) == (2, at(1), at(3))
    assert (a.finance_feedback_at, a.customer_told_at, a.remarks) == (at(7), at(9), "已退款")
    b = rows[0]
    assert b.finance_feedback_at == at(10) and b.remarks == "已退回：卡号不符"
    assert monthly.totals(rows) == monthly.Totals(2, 12550)


def test_finance_rows_show_each_finance_step() -> None:
    rows = monthly.finance_rows([PAID, SENT_BACK, form("C", 800, "awaiting_tech_verification")])
    assert [r.form_id for r in rows] == ["A", "B"]  # C was never submitted to finance
    a, b = rows
    assert a.submitter == "lead.zhou" and a.cashier is not None
    assert a.cashier.words == "通过 cashier.liu 核实无误"
    assert a.director is not None and a.service_told_at == at(8)
    assert b.cashier is not None and b.cashier.words == "退回 cashier.liu 卡号不符"
    assert b.accountant is None


def test_the_csv_tables_head_mask_and_total() -> None:
    service = list(tables.service_table(monthly.service_rows([PAID, SENT_BACK]), TZ, mask_phone))
    assert service[0] == list(tables.SERVICE_HEADINGS)
    assert len(service[0]) == 13
    assert service[1][:7] == ["1", "2026-03-10", "B", "TKB", "138****8000", "工商银行", "25.50"]
    assert service[2][8] == "2026-03-10 10:01"  # 提交技术部时间, local, to the minute
    assert service[-1][:7] == ["合计", "2单", "", "", "", "", "125.50"]
    finance = list(tables.finance_table(monthly.finance_rows([PAID, SENT_BACK]), TZ))
    assert finance[0] == list(tables.FINANCE_HEADINGS) and len(finance[0]) == 12
    assert finance[1][7] == "通过 cashier.liu 核实无误 2026-03-10 10:04"
    assert finance[-1][5] == "125.50"


def test_daily_faults_count_by_cause_and_by_what_happened() -> None:
    events = [s for f in (PAID, SENT_BACK) for s in f.steps]
    report = daily.daily_faults(
        date(2026, 3, 10),
        [(PAID, "no_order_no"), (SENT_BACK, "order_conflict")],
        events,
        {"A": 10000, "B": 2550},
        sla_breaches=1,
    )
    by_cause = {c.cause: (c.forms, c.amount_cents) for c in report.by_cause}
    assert by_cause == {
        "no_order_no": (1, 10000),
        "order_conflict": (1, 2550),
        "payment_timeout": (0, 0),
        "other": (0, 0),
    }
    assert report.filed == daily.Count(2, 12550)
    assert report.submitted_to_finance == daily.Count(2, 12550)
    assert report.paid == daily.Count(1, 10000)
    assert report.sent_back_by_finance == daily.Count(1, 2550)
    table = list(tables.daily_table(report))
    assert table[0] == ["故障原因", "单数", "金额"] and table[5] == ["合计", "2", "125.50"]


def test_months_and_days_in_the_business_time_zone() -> None:
    start, end = periods.month_bounds(periods.parse_month("2026-12"), TZ)
    assert start.isoformat() == "2026-12-01T00:00:00+08:00"
    assert end.isoformat() == "2027-01-01T00:00:00+08:00"
    assert periods.day_bounds(date(2026, 3, 10), TZ)[0].astimezone(UTC).hour == 16
    for bad in ("2026-13", "2026-3", "march"):
        with pytest.raises(InvalidPeriod):
            periods.parse_month(bad)
    assert periods.yuan(5) == "0.05" and periods.yuan(123456) == "1234.56"


def test_the_monthly_statistics_are_due_on_the_first_past_a_weekend() -> None:
    assert due.previous_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert due.due_on(date(2026, 2, 1)) == date(2026, 3, 2)  # 1 March 2026 is a Sunday
    assert due.due_on(date(2026, 3, 1)) == date(2026, 4, 1)  # a Wednesday
    assert due.due_on(date(2025, 12, 1)) == date(2026, 1, 1)
    assert due.month_due(date(2026, 3, 1)) is None  # Sunday: not due yet
    assert due.month_due(date(2026, 3, 2)) == date(2026, 2, 1)
    assert due.notice_key(date(2026, 2, 1), "finance", "acc") == "refund:report:2026-02:finance:acc"


def test_the_notices_sleep_until_the_next_due_day() -> None:
    # before a due day moved past the weekend: that day; from it on: next month's
    assert due.next_due_day(date(2026, 3, 1)) == date(2026, 3, 2)
    assert due.next_due_day(date(2026, 3, 2)) == date(2026, 4, 1)
    assert due.next_due_day(date(2026, 3, 31)) == date(2026, 4, 1)
    assert due.next_due_day(date(2026, 12, 15)) == date(2027, 1, 1)
    for day in (date(2026, 3, 1) + timedelta(days=n) for n in range(400)):
        ahead = due.next_due_day(day)
        assert ahead > day and due.month_due(ahead) is not None
        # no other month's notices fall due between today and the day the sweep sleeps until
        assert all(
            due.month_due(day + timedelta(days=k)) in (None, due.month_due(day))
            for k in range((ahead - day).days)
        )


def test_a_searchs_days_are_whole_business_days_both_inclusive() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    start, end = periods.dates_bounds(date(2026, 3, 1), date(2026, 3, 1), shanghai)
    assert start == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert periods.dates_bounds(None, None, shanghai) == (None, None)
    with pytest.raises(InvalidPeriod):
        periods.dates_bounds(date(2026, 3, 2), date(2026, 3, 1), shanghai)
