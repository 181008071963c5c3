"""The monthly refund statistics' approval and archive (seed 003) as a pure state machine.

    draft ─approve (the department's head)─▶ approved ─verify (行政人事部)─▶ verified
      ▲                                         │                            │
      └────── returned ◀──return (reason)───────┴────────────────────────────┤
                                                              archive (行政人事部)
                                                                             ▼
                                      archived ─follow_up (后期执行情况跟踪)─▶ archived

客服部与财务部每月编制退款统计表，经部门主管审核通过后，于每月1日提交至行政人事部，由行政人事
部对退款情况进行核实，并存档. The head approves a month that has ended; the table is
stored then, and every reader sees that table until the office returns it. The office
(``admin_hr``) verifies, never the person who approved, and archives; an archived month
takes only follow-up notes. The service department's head is a duty lead (the role that
compiles its table); the finance department's is the finance director.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import partial

from services.refund.reports.domain.errors import (
    MonthNotOver,
    RoleRequired,
    SamePerson,
    WrongState,
)
from shared.actions import offered
from shared.errors import ReasonRequired

ADMIN_HR = "admin_hr"


class Department(StrEnum):
    SERVICE = "service"
    FINANCE = "finance"


class StatisticsState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    RETURNED = "returned"
    VERIFIED = "verified"
    ARCHIVED = "archived"


HEAD = {Department.SERVICE: "duty_lead", Department.FINANCE: "finance_director"}
"""Who approves a department's statistics (部门主管)."""
FROZEN = frozenset({StatisticsState.APPROVED, StatisticsState.VERIFIED, StatisticsState.ARCHIVED})
"""States in which the table is the stored one, not computed."""
ACTIONS = ("approve", "return", "verify", "archive", "follow_up")


@dataclass(frozen=True)
class Statistics:
    month: date
    department: Department
    state: StatisticsState = StatisticsState.DRAFT
    approved_by: str | None = None


@dataclass(frozen=True)
class Step:
    """What a decision records: the new statistics and the history row."""

    after: Statistics
    action: str
    role: str
    opinion: str


def _role(roles: frozenset[str], wanted: str, doing: str) -> str:
    if wanted not in roles:
        raise RoleRequired(f"{doing} needs the role {wanted}")
    return wanted


def _in(s: Statistics, *states: StatisticsState) -> None:
    if s.state not in states:
        raise WrongState(
            f"the {s.department.value} statistics of {s.month:%Y-%m} are {s.state.value}"
        )


def approve(
    s: Statistics, *, actor: str, roles: frozenset[str], today: date, opinion: str = ""
) -> Step:
    """The department's head approves the month's table (stored from now on)."""
    role = _role(roles, HEAD[s.department], f"approving the {s.department.value} statistics")
    _in(s, StatisticsState.DRAFT, StatisticsState.RETURNED)
    if today < next_month(s.month):
        raise MonthNotOver(f"{s.month:%Y-%m} has not ended: its statistics are not complete")
    after = replace(s, state=StatisticsState.APPROVED, approved_by=actor)
    return Step(after, "approve", role, opinion.strip())


def return_(s: Statistics, *, actor: str, roles: frozenset[str], reason: str) -> Step:
    """The office sends the table back to the head with a reason (computed afresh again)."""
    role = _role(roles, ADMIN_HR, "returning monthly statistics")
    _in(s, StatisticsState.APPROVED, StatisticsState.VERIFIED)
    if not reason.strip():
        raise ReasonRequired("returning the statistics needs a reason")
    _ = actor
    return Step(replace(s, state=StatisticsState.RETURNED), "return", role, reason.strip())


def verify(s: Statistics, *, actor: str, roles: frozenset[str], opinion: str = "") -> Step:
    """The office checks the refunds against the table (核实)."""
    role = _role(roles, ADMIN_HR, "verifying monthly statistics")
    _in(s, StatisticsState.APPROVED)
    if actor == s.approved_by:
        raise SamePerson("who approved the statistics does not verify them")
    return Step(replace(s, state=StatisticsState.VERIFIED), "verify", role, opinion.strip())


def archive(s: Statistics, *, actor: str, roles: frozenset[str]) -> Step:
    """The office files the verified table (存档): it never changes again."""
    role = _role(roles, ADMIN_HR, "archiving monthly statistics")
    _in(s, StatisticsState.VERIFIED)
    _ = actor
    return Step(replace(s, state=StatisticsState.ARCHIVED), "archive", role, "")


def follow_up(s: Statistics, *, actor: str, roles: frozenset[str], note: str) -> Step:
    """The office notes how things went afterwards (后期执行情况跟踪), on an archived month."""
    role = _role(roles, ADMIN_HR, "writing the follow-up")
    _in(s, StatisticsState.ARCHIVED)
    if not note.strip():
        raise ReasonRequired("a follow-up says what happened")
    _ = actor
    return Step(s, "follow_up", role, note.strip())


def actions(s: Statistics, *, actor: str, roles: frozenset[str], today: date) -> list[str]:
    """What this caller may do to the month's statistics now (each its command's rule)."""
    return offered(
        {
            "approve": partial(approve, s, actor=actor, roles=roles, today=today),
            "return": partial(return_, s, actor=actor, roles=roles, reason="-"),
            "verify": partial(verify, s, actor=actor, roles=roles),
            "archive": partial(archive, s, actor=actor, roles=roles),
            "follow_up": partial(follow_up, s, actor=actor, roles=roles, note="-"),
        }
    )


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
