"""The monthly statistics' approval chain (seed 003): the head approves an ended month,
the admin/HR office verifies (never who approved) and archives; archived, only follow-ups."""

from __future__ import annotations

from datetime import date

import pytest

from services.refund.reports.domain import statistics as rules
from services.refund.reports.domain.statistics import Department, Statistics, StatisticsState
from shared.errors import DomainError

MARCH = date(2026, 3, 1)
APRIL_2 = date(2026, 4, 2)
LEAD = frozenset({"duty_lead"})
HR = frozenset({"admin_hr"})


def refused(code: str, fn: object, *args: object, **kwargs: object) -> None:
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code


def test_each_department_has_its_head_and_the_month_must_be_over() -> None:
    service, finance = Statistics(MARCH, Department.SERVICE), Statistics(MARCH, Department.FINANCE)
    refused(
        "month_not_over", rules.approve, service, actor="lead", roles=LEAD, today=date(2026, 3, 31)
    )
    refused("role_required", rules.approve, finance, actor="lead", roles=LEAD, today=APRIL_2)
    refused("role_required", rules.approve, service, actor="hr", roles=HR, today=APRIL_2)
    director = frozenset({"finance_director"})
    assert rules.approve(finance, actor="dir", roles=director, today=APRIL_2).after.state == (
        StatisticsState.APPROVED
    )
    assert rules.actions(service, actor="lead", roles=LEAD, today=APRIL_2) == ["approve"]
    assert rules.actions(service, actor="lead", roles=LEAD, today=date(2026, 3, 31)) == []


def test_the_office_verifies_archives_and_follows_up_in_order() -> None:
    s = rules.approve(
        Statistics(MARCH, Department.SERVICE), actor="lead", roles=LEAD, today=APRIL_2
    ).after
    assert rules.actions(s, actor="hr", roles=HR, today=APRIL_2) == ["return", "verify"]
    refused("wrong_state", rules.archive, s, actor="hr", roles=HR)
    refused("reason_required", rules.return_, s, actor="hr", roles=HR, reason=" ")
    back = rules.return_(s, actor="hr", roles=HR, reason="缺数据").after
    assert back.state is StatisticsState.RETURNED
    assert rules.actions(back, actor="lead", roles=LEAD, today=APRIL_2) == ["approve"]
    both = LEAD | HR
    again = rules.approve(back, actor="boss", roles=both, today=APRIL_2).after
    refused("same_person", rules.verify, again, actor="boss", roles=both)
    verified = rules.verify(again, actor="hr", roles=HR).after
    assert rules.actions(verified, actor="hr", roles=HR, today=APRIL_2) == ["return", "archive"]
    archived = rules.archive(verified, actor="hr", roles=HR).after
    assert rules.actions(archived, actor="hr", roles=HR, today=APRIL_2) == ["follow_up"]
    for fn, extra in (
        (rules.return_, {"reason": "r"}),
        (rules.verify, {}),
        (rules.archive, {}),
    ):
        refused("wrong_state", fn, archived, actor="hr", roles=HR, **extra)
    refused("wrong_state", rules.approve, archived, actor="lead", roles=LEAD, today=APRIL_2)
    note = rules.follow_up(archived, actor="hr", roles=HR, note=" 已全部到账 ")
    assert note.after == archived and note.opinion == "已全部到账"
    refused("role_required", rules.follow_up, archived, actor="lead", roles=LEAD, note="x")
