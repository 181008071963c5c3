"""From the shared HTTP shapes (shared/api/refund_reports.py) to the domain, and from the
records and report rows back to the shapes."""

from __future__ import annotations

from dataclasses import asdict

from services.refund.api.common import fields_of
from services.refund.reports.domain import handover as rules
from services.refund.reports.domain.daily import DailyFaults
from services.refund.reports.domain.finance import FormLine
from services.refund.reports.domain.handover import (
    Attendance,
    Cleaning,
    Draft,
    FollowUp,
    HandoverRecord,
    Shift,
)
from services.refund.reports.domain.monthly import FinanceRow, ServiceRow, Totals
from shared.api.refund_reports import (
    AttendanceIn,
    CleaningIn,
    DailyFaultsOut,
    FinanceRowOut,
    FollowUpIn,
    FollowUpOut,
    FormLineOut,
    HandoverIn,
    HandoverOut,
    ServiceRowOut,
    TotalsOut,
)
from shared.http import Actor
from shared.masking import mask_phone


def follow_up(f: FollowUpIn) -> FollowUp:
    return FollowUp(
        f.cause, f.progress, f.next_step, f.contact, f.phone, f.amount_cents, f.bank, f.form_id
    )


def draft(body: HandoverIn) -> Draft:
    return Draft(
        Shift(body.shift),
        body.period_start,
        body.period_end,
        tuple(body.finished),
        tuple(follow_up(f) for f in body.follow_ups),
        body.notes,
        Attendance(**{k: tuple(v) for k, v in body.attendance.model_dump().items()}),
        Cleaning(**body.cleaning.model_dump()),
    )


def _phone(phone: str | None, masked: bool) -> str | None:
    return mask_phone(phone) if phone and masked else phone


def _follow_up_out(f: FollowUp, masked: bool) -> FollowUpOut:
    return FollowUpOut.model_validate(fields_of(f) | {"phone": _phone(f.phone, masked)})


def _line(line: FormLine, masked: bool) -> FormLineOut:
    return FormLineOut.model_validate(fields_of(line) | {"phone": _phone(line.phone, masked) or ""})


def handover_out(h: HandoverRecord, actor: Actor, *, masked: bool = False) -> HandoverOut:
    """The handover, with what ``actor`` may do to it (acknowledge, when theirs to take)."""

    def lines(found: tuple[FormLine, ...]) -> list[FormLineOut]:
        return [_line(x, masked) for x in found]

    return HandoverOut(
        id=h.id,
        shift=h.shift,
        period_start=h.period_start,
        period_end=h.period_end,
        handed_over_by=h.handed_over_by,
        handed_over_at=h.handed_over_at,
        finished=list(h.finished),
        follow_ups=[_follow_up_out(f, masked) for f in h.follow_ups],
        finance_handled=lines(h.finance_handled),
        submitted_to_finance=lines(h.submitted_to_finance),
        sent_back_by_finance=lines(h.sent_back_by_finance),
        notes=h.notes,
        acknowledged_by=h.acknowledged_by,
        acknowledged_at=h.acknowledged_at,
        attendance=_attendance_out(h.attendance),
        cleaning=_cleaning_out(h.cleaning),
        actions=rules.actions(h.handover, actor.username, actor.roles),
    )


def _attendance_out(a: Attendance | None) -> AttendanceIn | None:
    return AttendanceIn.model_validate(asdict(a)) if a is not None else None


def _cleaning_out(c: Cleaning | None) -> CleaningIn | None:
    return CleaningIn.model_validate(asdict(c)) if c is not None else None


def totals_out(t: Totals) -> TotalsOut:
    return TotalsOut.model_validate(fields_of(t))


def service_row(r: ServiceRow) -> ServiceRowOut:
    return ServiceRowOut.model_validate(fields_of(r) | {"contact": mask_phone(r.contact)})


VERDICTS = {
    "cashier_check": "cashier",
    "accountant_review": "accountant",
    "director_approval": "director",
}
"""A finance row's verdicts as the table names them (by step) and as the row keeps them."""


def finance_row(r: FinanceRow) -> FinanceRowOut:
    row = asdict(r)
    return FinanceRowOut.model_validate(row | {out: row[kept] for out, kept in VERDICTS.items()})


def daily_faults_out(d: DailyFaults) -> DailyFaultsOut:
    return DailyFaultsOut.model_validate(asdict(d) | {"date": d.day})
