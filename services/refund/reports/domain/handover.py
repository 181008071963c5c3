"""A shift handover (客服部值班交接单), and its acknowledgement by the next duty lead.

The seed: every section is filled (nothing to say is written 无, here an empty list);
finished work and follow-ups are listed one by one; a follow-up says its cause, how
far it got, what the next person does, and the customer's contact, phone, amount and
bank when it is a refund. The finance lists are computed from the forms, not typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from services.refund.domain.errors import InvalidPeriod
from services.refund.reports.domain.errors import (
    HandoverAcknowledged,
    InvalidHandover,
    RoleRequired,
    SamePerson,
)
from services.refund.reports.domain.finance import FormLine
from shared.actions import offered

MAX_ITEMS = 50
MAX_TEXT = 500
LONGEST_SHIFT = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=5)
_PHONE = re.compile(r"^\+?[0-9][0-9-]{5,19}$")


class Shift(StrEnum):
    DAY = "day"
    """白班."""
    MIDDLE = "middle"
    """中班."""
    NIGHT = "night"


@dataclass(frozen=True)
class FollowUp:
    cause: str
    progress: str
    next_step: str
    contact: str
    phone: str | None = None
    amount_cents: int | None = None
    bank: str | None = None
    form_id: str | None = None


@dataclass(frozen=True)
class Attendance:
    """考勤: who was due on the shift, who came, who came late, left early, or never came."""

    expected: tuple[str, ...]
    present: tuple[str, ...]
    late: tuple[str, ...] = ()
    left_early: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cleaning:
    """卫生是否打扫, and the person who signs for it (相关责任人签字确认)."""

    done: bool
    responsible: str
    note: str = ""


@dataclass(frozen=True)
class Draft:
    shift: Shift
    period_start: datetime
    period_end: datetime
    finished: tuple[str, ...]
    follow_ups: tuple[FollowUp, ...]
    notes: str = ""
    attendance: Attendance | None = None
    cleaning: Cleaning | None = None


@dataclass(frozen=True)
class Handover:
    id: int
    handed_over_by: str
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class HandoverRecord:
    """A handover as it was written down, and who took it over."""

    id: int
    shift: str
    period_start: datetime
    period_end: datetime
    handed_over_by: str
    handed_over_at: datetime
    finished: tuple[str, ...]
    follow_ups: tuple[FollowUp, ...]
    finance_handled: tuple[FormLine, ...]
    submitted_to_finance: tuple[FormLine, ...]
    sent_back_by_finance: tuple[FormLine, ...]
    notes: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    attendance: Attendance | None
    cleaning: Cleaning | None

    @property
    def handover(self) -> Handover:
        """What the acknowledgement rules look at."""
        return Handover(self.id, self.handed_over_by, self.acknowledged_by, self.acknowledged_at)


def _text(value: str, what: str) -> str:
    cleaned = value.strip()
    if not 1 <= len(cleaned) <= MAX_TEXT:
        raise InvalidHandover(f"{what} is 1 to {MAX_TEXT} characters")
    return cleaned


def check_follow_up(item: FollowUp, n: int) -> FollowUp:
    where = f"follow-up {n}"
    phone = item.phone.strip() if item.phone else None
    if phone is not None and not _PHONE.match(phone):
        raise InvalidHandover(f"{where}: the phone is not a phone number")
    if item.amount_cents is not None and item.amount_cents <= 0:
        raise InvalidHandover(f"{where}: an amount is a positive number of cents")
    return FollowUp(
        cause=_text(item.cause, f"{where}'s cause"),
        progress=_text(item.progress, f"{where}'s progress"),
        next_step=_text(item.next_step, f"{where}'s next step"),
        contact=_text(item.contact, f"{where}'s contact"),
        phone=phone,
        amount_cents=item.amount_cents,
        bank=item.bank.strip() if item.bank else None,
        form_id=item.form_id.strip() if item.form_id else None,
    )


MAX_NAME = 64


def _names(names: tuple[str, ...], what: str) -> tuple[str, ...]:
    cleaned = tuple(n.strip() for n in names)
    if any(not 1 <= len(n) <= MAX_NAME for n in cleaned):
        raise InvalidHandover(f"attendance: a name in {what} is 1 to {MAX_NAME} characters")
    if len(set(cleaned)) != len(cleaned):
        raise InvalidHandover(f"attendance: {what} names someone twice")
    return cleaned


def check_attendance(a: Attendance) -> Attendance:
    """Every person due is accounted for: present or absent, never both; only someone
    present came late or left early."""
    checked = Attendance(
        _names(a.expected, "expected"),
        _names(a.present, "present"),
        _names(a.late, "late"),
        _names(a.left_early, "left_early"),
        _names(a.absent, "absent"),
    )
    present, absent = set(checked.present), set(checked.absent)
    if not checked.expected:
        raise InvalidHandover("attendance: name who was due on the shift (应到值班人员)")
    if present & absent:
        raise InvalidHandover(
            f"attendance: {', '.join(sorted(present & absent))} both present and absent"
        )
    if not absent <= set(checked.expected):
        raise InvalidHandover("attendance: only someone due on the shift is absent")
    if missing := set(checked.expected) - present - absent:
        raise InvalidHandover(
            f"attendance: {', '.join(sorted(missing))} neither present nor absent"
        )
    if stray := (set(checked.late) | set(checked.left_early)) - present:
        raise InvalidHandover(
            f"attendance: {', '.join(sorted(stray))} late or left early but not present"
        )
    return checked


def check_cleaning(c: Cleaning) -> Cleaning:
    return Cleaning(c.done, _text(c.responsible, "cleaning's responsible person"), c.note.strip())


def check_draft(draft: Draft, now: datetime) -> Draft:
    if draft.period_start.tzinfo is None or draft.period_end.tzinfo is None:
        raise InvalidPeriod("a shift's times need a time zone")
    if draft.period_end <= draft.period_start:
        raise InvalidPeriod("the shift ends after it starts")
    if draft.period_end - draft.period_start > LONGEST_SHIFT:
        raise InvalidPeriod("a shift is at most 24 hours")
    if draft.period_end > now + CLOCK_SKEW:
        raise InvalidPeriod("a shift is handed over when it ends, not before")
    if len(draft.finished) > MAX_ITEMS or len(draft.follow_ups) > MAX_ITEMS:
        raise InvalidHandover(f"at most {MAX_ITEMS} finished items and {MAX_ITEMS} follow-ups")
    finished = tuple(_text(f, f"finished item {i}") for i, f in enumerate(draft.finished, 1))
    follow_ups = tuple(check_follow_up(f, i) for i, f in enumerate(draft.follow_ups, 1))
    notes = draft.notes.strip()
    if len(notes) > MAX_TEXT:
        raise InvalidHandover(f"notes are at most {MAX_TEXT} characters")
    if draft.attendance is None or draft.cleaning is None:
        raise InvalidHandover("every line of the handover is filled: attendance and cleaning too")
    return replace(
        draft,
        finished=finished,
        follow_ups=follow_ups,
        notes=notes,
        attendance=check_attendance(draft.attendance),
        cleaning=check_cleaning(draft.cleaning),
    )


def with_form(item: FollowUp, phone: str, amount_cents: int, bank: str) -> FollowUp:
    """A follow-up about a refund form: what the handover leaves blank comes from the form."""
    return replace(
        item,
        phone=item.phone or phone,
        amount_cents=item.amount_cents or amount_cents,
        bank=item.bank or bank,
    )


DUTY_LEAD = "duty_lead"


def require_duty_lead(roles: frozenset[str], doing: str) -> None:
    if DUTY_LEAD not in roles:
        raise RoleRequired(f"{doing} needs the duty_lead role")


def may_acknowledge(handover: Handover, actor: str, roles: frozenset[str]) -> None:
    """The next shift's duty lead takes the shift over, once (refused otherwise)."""
    require_duty_lead(roles, "acknowledging a handover")
    if handover.acknowledged_by is not None:
        raise HandoverAcknowledged(
            f"handover {handover.id} was acknowledged by {handover.acknowledged_by}"
        )
    if actor == handover.handed_over_by:
        raise SamePerson("the next shift's duty lead acknowledges a handover, not who wrote it")


def acknowledge(handover: Handover, actor: str, roles: frozenset[str], now: datetime) -> Handover:
    may_acknowledge(handover, actor, roles)
    return replace(handover, acknowledged_by=actor, acknowledged_at=now)


def actions(handover: Handover, actor: str, roles: frozenset[str]) -> list[str]:
    """``acknowledge`` when this caller may take the shift over (the command's own rule)."""
    return offered({"acknowledge": partial(may_acknowledge, handover, actor, roles)})
