"""From the shared HTTP shapes (shared/api/refund_reports.py) to the domain, and from the
records and report rows back to the shapes."""

from __future__ import annotations

from dataclasses import asdict

from services.refund.reports.domain import handover as rules
from services.refund.reports.domain.daily import Count, DailyFaults
from services.refund.reports.domain.finance import FormLine
from services.refund.reports.domain.handover import (
    Attendance,
    Cleaning,
    Draft,
    FollowUp,
    HandoverRecord,
    Shift,
)
from services.refund.reports.domain.monthly import FinanceRow, ServiceRow, Totals, Verdict
from shared.api.refund_reports import (
    AttendanceIn,
    CauseOut,
    CleaningIn,
    CountOut,
    DailyFaultsOut,
    FinanceRowOut,
    FollowUpIn,
    FollowUpOut,
    FormLineOut,
    HandoverIn,
    HandoverOut,
    ServiceRowOut,
    TotalsOut,
    VerdictOut,
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
    return FollowUpOut(
        cause=f.cause,
        progress=f.progress,
        next_step=f.next_step,
        contact=f.contact,
        phone=_phone(f.phone, masked),
        amount_cents=f.amount_cents,
        bank=f.bank,
        form_id=f.form_id,
    )


def _line(line: FormLine, masked: bool) -> FormLineOut:
    return FormLineOut(
        form_id=line.form_id,
        order_no=line.order_no,
        phone=_phone(line.phone, masked) or "",
        amount_cents=line.amount_cents,
        bank=line.bank,
        at=line.at,
        by=line.by,
        result=line.result,
        reason=line.reason,
    )


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
    return TotalsOut(count=t.count, amount_cents=t.amount_cents)


def service_row(r: ServiceRow) -> ServiceRowOut:
    return ServiceRowOut(
        seq=r.seq,
        submitted_at=r.submitted_at,
        form_id=r.form_id,
        order_no=r.order_no,
        contact=mask_phone(r.contact),
        bank=r.bank,
        amount_cents=r.amount_cents,
        submitter=r.submitter,
        to_tech_at=r.to_tech_at,
        to_finance_at=r.to_finance_at,
        finance_feedback_at=r.finance_feedback_at,
        customer_told_at=r.customer_told_at,
        remarks=r.remarks,
    )


def _verdict(v: Verdict | None) -> VerdictOut | None:
    if v is None:
        return None
    return VerdictOut(decision=v.decision, executor=v.executor, at=v.at, opinion=v.opinion)


def finance_row(r: FinanceRow) -> FinanceRowOut:
    return FinanceRowOut(
        seq=r.seq,
        submitted_at=r.submitted_at,
        form_id=r.form_id,
        order_no=r.order_no,
        bank=r.bank,
        amount_cents=r.amount_cents,
        submitter=r.submitter,
        cashier_check=_verdict(r.cashier),
        accountant_review=_verdict(r.accountant),
        director_approval=_verdict(r.director),
        service_told_at=r.service_told_at,
        remarks=r.remarks,
    )


def daily_faults_out(d: DailyFaults) -> DailyFaultsOut:
    def count(c: Count) -> CountOut:
        return CountOut(forms=c.forms, amount_cents=c.amount_cents)

    return DailyFaultsOut(
        date=d.day,
        by_cause=[
            CauseOut(cause=c.cause, label=c.label, forms=c.forms, amount_cents=c.amount_cents)
            for c in d.by_cause
        ],
        filed=count(d.filed),
        submitted_to_finance=count(d.submitted_to_finance),
        paid=count(d.paid),
        sent_back_by_finance=count(d.sent_back_by_finance),
        sla_breaches=d.sla_breaches,
    )
