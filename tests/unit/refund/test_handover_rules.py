"""The handover's rules: a checked draft, the finance lists from step events, the
acknowledgement by another duty lead."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.refund.domain.errors import InvalidPeriod
from services.refund.reports.domain import handover as rules
from services.refund.reports.domain.errors import (
    HandoverAcknowledged,
    InvalidHandover,
    RoleRequired,
    SamePerson,
)
from services.refund.reports.domain.finance import FormFacts, StepEvent, classify
from services.refund.reports.domain.handover import (
    Attendance,
    Cleaning,
    Draft,
    FollowUp,
    Handover,
    Shift,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
FOLLOW = FollowUp("扣款成功未出票", "已提交财务", "跟进出纳核实", "王先生", "13800138000")
ATTENDANCE = Attendance(("张三", "李四", "王五"), ("张三", "李四"), ("张三",), (), ("王五",))
DRAFT = Draft(
    Shift.DAY,
    NOW - timedelta(hours=8),
    NOW,
    ("回复张先生",),
    (FOLLOW,),
    attendance=ATTENDANCE,
    cleaning=Cleaning(True, "李四"),
)


def test_a_draft_is_checked_and_trimmed() -> None:
    checked = rules.check_draft(replace(DRAFT, finished=(" 回复张先生 ",)), NOW)
    assert checked.finished == ("回复张先生",)
    assert rules.check_draft(replace(DRAFT, finished=(), follow_ups=()), NOW).finished == ()


@pytest.mark.parametrize(
    "bad",
    [
        replace(DRAFT, period_end=DRAFT.period_start),
        replace(DRAFT, period_start=NOW - timedelta(hours=25)),
        replace(DRAFT, period_end=NOW + timedelta(hours=1)),
    ],
)
def test_a_shift_period_is_sensible(bad: Draft) -> None:
    with pytest.raises(InvalidPeriod):
        rules.check_draft(bad, NOW)


@pytest.mark.parametrize(
    "follow",
    [
        replace(FOLLOW, next_step=" "),
        replace(FOLLOW, phone="not a phone"),
        replace(FOLLOW, amount_cents=0),
    ],
)
def test_a_follow_up_says_cause_progress_next_step_and_contact(follow: FollowUp) -> None:
    with pytest.raises(InvalidHandover):
        rules.check_draft(replace(DRAFT, follow_ups=(follow,)), NOW)


def test_a_follow_up_about_a_form_takes_its_phone_amount_and_bank() -> None:
    filled = rules.with_form(replace(FOLLOW, phone=None, form_id="RF1"), "139", 2550, "工商银行")
    assert (filled.phone, filled.amount_cents, filled.bank) == ("139", 2550, "工商银行")
    kept = rules.with_form(FOLLOW, "139", 2550, "工商银行")
    assert kept.phone == "13800138000"


LEAD = frozenset({"duty_lead"})


def test_the_next_duty_lead_acknowledges_once_never_the_writer() -> None:
    h = Handover(1, "lead.wang")
    with pytest.raises(SamePerson):
        rules.acknowledge(h, "lead.wang", LEAD, NOW)
    with pytest.raises(RoleRequired):
        rules.acknowledge(h, "agent.zhao", frozenset({"agent"}), NOW)
    assert rules.actions(h, "lead.wang", LEAD) == []
    assert rules.actions(h, "agent.zhao", frozenset({"agent"})) == []
    assert rules.actions(h, "lead.zhou", LEAD) == ["acknowledge"]
    done = rules.acknowledge(h, "lead.zhou", LEAD, NOW)
    assert (done.acknowledged_by, done.acknowledged_at) == ("lead.zhou", NOW)
    assert rules.actions(done, "lead.li", LEAD) == []
    with pytest.raises(HandoverAcknowledged):
        rules.acknowledge(done, "lead.li", LEAD, NOW)


def test_the_finance_lists_come_from_the_steps() -> None:
    def at(minutes: int) -> datetime:
        return NOW + timedelta(minutes=minutes)

    forms = {
        f: FormFacts(f, f"O{f}", "13800138000", amount, "工商银行", "x")
        for f, amount in (("A", 10000), ("B", 2550), ("C", 800))
    }
    events = [
        StepEvent("A", "finance_submission", "approved", "", "lead.zhou", at(1)),
        StepEvent("B", "finance_submission", "approved", "", "lead.zhou", at(2)),
        StepEvent("B", "cashier_check", "sent_back", "卡号不符", "cashier.liu", at(3)),
        StepEvent("A", "cashier_check", "approved", "", "cashier.liu", at(4)),
        StepEvent("A", "paid", "done", "", "system", at(5)),
        StepEvent("C", "lead_check", "sent_back", "信息不全", "lead.wang", at(6)),
        StepEvent("GONE", "paid", "done", "", "system", at(7)),
    ]
    lists = classify(events, forms)
    assert [(x.form_id, x.amount_cents) for x in lists.submitted] == [("A", 10000), ("B", 2550)]
    assert [(x.form_id, x.reason, x.by) for x in lists.sent_back] == [
        ("B", "卡号不符", "cashier.liu")
    ]
    assert [(x.form_id, x.result) for x in lists.handled] == [("A", "已退款")]


def test_attendance_accounts_for_everyone_due_and_cleaning_is_signed_for() -> None:
    checked = rules.check_draft(
        replace(DRAFT, attendance=replace(ATTENDANCE, present=(" 张三 ", "李四"))), NOW
    )
    assert checked.attendance == ATTENDANCE and checked.cleaning == Cleaning(True, "李四")
    for bad in (
        replace(ATTENDANCE, expected=(), present=(), late=(), absent=()),  # nobody due
        replace(ATTENDANCE, absent=()),  # 王五 neither present nor absent
        replace(ATTENDANCE, present=("张三", "李四", "王五")),  # 王五 present and absent
        replace(ATTENDANCE, absent=("王五", "赵六")),  # 赵六 was not due
        replace(ATTENDANCE, left_early=("王五",)),  # absent, so cannot leave early
        replace(ATTENDANCE, present=("张三", "张三", "李四")),
        replace(ATTENDANCE, late=(" ",)),
    ):
        with pytest.raises(InvalidHandover):
            rules.check_draft(replace(DRAFT, attendance=bad), NOW)
    with pytest.raises(InvalidHandover):
        rules.check_draft(replace(DRAFT, cleaning=Cleaning(False, " ")), NOW)
    for missing in (replace(DRAFT, attendance=None), replace(DRAFT, cleaning=None)):
        with pytest.raises(InvalidHandover):
            rules.check_draft(missing, NOW)
