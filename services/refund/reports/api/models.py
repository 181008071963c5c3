"""Request and answer bodies of handovers and reports."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg
from pydantic import AwareDatetime, BaseModel, Field

from services.refund.reports.domain.daily import Count, DailyFaults
from services.refund.reports.domain.finance import FormLine
from services.refund.reports.domain.handover import Draft, FollowUp, Shift
from services.refund.reports.domain.monthly import FinanceRow, ServiceRow, Totals, Verdict
from services.refund.reports.store import handovers as store
from shared.masking import mask_phone


class FollowUpIn(BaseModel):
    cause: str = Field(max_length=500, description="事件原因 (or the form's fault cause)")
    progress: str = Field(max_length=500, description="经过, and the step it has reached")
    next_step: str = Field(max_length=500, description="What the next shift does")
    contact: str = Field(max_length=500, description="The customer's contact")
    phone: str | None = Field(default=None, max_length=20)
    amount_cents: int | None = Field(default=None, gt=0)
    bank: str | None = Field(default=None, max_length=100)
    form_id: str | None = Field(default=None, max_length=64)
    """A refund form: its phone, amount and bank fill what is left blank."""

    def follow_up(self) -> FollowUp:
        return FollowUp(
            self.cause,
            self.progress,
            self.next_step,
            self.contact,
            self.phone,
            self.amount_cents,
            self.bank,
            self.form_id,
        )


class HandoverIn(BaseModel):
    shift: Shift
    period_start: AwareDatetime
    period_end: AwareDatetime
    finished: list[str] = Field(default_factory=list, max_length=50)
    """完成工作明细, one item each (none: an empty list, the seed's 无)."""
    follow_ups: list[FollowUpIn] = Field(default_factory=list, max_length=50)
    notes: str = Field(default="", max_length=500)

    def draft(self) -> Draft:
        return Draft(
            self.shift,
            self.period_start,
            self.period_end,
            tuple(self.finished),
            tuple(f.follow_up() for f in self.follow_ups),
            self.notes,
        )


class FollowUpOut(BaseModel):
    cause: str
    progress: str
    next_step: str
    contact: str
    phone: str | None
    amount_cents: int | None
    bank: str | None
    form_id: str | None


class FormLineOut(BaseModel):
    form_id: str
    """文件编号."""
    order_no: str
    phone: str
    amount_cents: int
    bank: str
    at: datetime
    by: str
    result: str
    reason: str | None


def _phone(phone: str | None, masked: bool) -> str | None:
    return mask_phone(phone) if phone and masked else phone


def _follow_up(f: FollowUp, masked: bool) -> FollowUpOut:
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


class HandoverOut(BaseModel):
    id: int
    shift: Shift
    period_start: datetime
    period_end: datetime
    handed_over_by: str
    handed_over_at: datetime
    finished: list[str]
    follow_ups: list[FollowUpOut]
    finance_handled: list[FormLineOut]
    """财务已处理: paid, or the payout failed (未入帐), during the shift."""
    submitted_to_finance: list[FormLineOut]
    """已提交财务 during the shift."""
    sent_back_by_finance: list[FormLineOut]
    """财务退回 during the shift, with the reason."""
    notes: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, row: asyncpg.Record, *, masked: bool = False) -> HandoverOut:
        return cls(
            id=row["id"],
            shift=row["shift"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            handed_over_by=row["handed_over_by"],
            handed_over_at=row["handed_over_at"],
            finished=row["finished"],
            follow_ups=[_follow_up(f, masked) for f in store.follow_ups(row["follow_ups"])],
            finance_handled=[_line(x, masked) for x in store.lines(row["finance_handled"])],
            submitted_to_finance=[
                _line(x, masked) for x in store.lines(row["submitted_to_finance"])
            ],
            sent_back_by_finance=[
                _line(x, masked) for x in store.lines(row["sent_back_by_finance"])
            ],
            notes=row["notes"],
            acknowledged_by=row["acknowledged_by"],
            acknowledged_at=row["acknowledged_at"],
        )


class HandoverPage(BaseModel):
    items: list[HandoverOut]
    """Phones masked."""
    next_before_id: int | None


class TotalsOut(BaseModel):
    count: int
    amount_cents: int

    @classmethod
    def of(cls, t: Totals) -> TotalsOut:
        return cls(count=t.count, amount_cents=t.amount_cents)


class ServiceRowOut(BaseModel):
    seq: int
    submitted_at: datetime
    form_id: str
    order_no: str
    contact: str
    """The registered phone, masked."""
    bank: str
    amount_cents: int
    submitter: str
    to_tech_at: datetime | None
    to_finance_at: datetime | None
    finance_feedback_at: datetime | None
    customer_told_at: datetime | None
    remarks: str

    @classmethod
    def of(cls, r: ServiceRow) -> ServiceRowOut:
        return cls(
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


class VerdictOut(BaseModel):
    decision: str
    executor: str
    at: datetime
    opinion: str

    @classmethod
    def of(cls, v: Verdict | None) -> VerdictOut | None:
        if v is None:
            return None
        return cls(decision=v.decision, executor=v.executor, at=v.at, opinion=v.opinion)


class FinanceRowOut(BaseModel):
    seq: int
    submitted_at: datetime
    form_id: str
    order_no: str
    bank: str
    amount_cents: int
    submitter: str
    cashier_check: VerdictOut | None
    accountant_review: VerdictOut | None
    director_approval: VerdictOut | None
    service_told_at: datetime | None
    remarks: str

    @classmethod
    def of(cls, r: FinanceRow) -> FinanceRowOut:
        return cls(
            seq=r.seq,
            submitted_at=r.submitted_at,
            form_id=r.form_id,
            order_no=r.order_no,
            bank=r.bank,
            amount_cents=r.amount_cents,
            submitter=r.submitter,
            cashier_check=VerdictOut.of(r.cashier),
            accountant_review=VerdictOut.of(r.accountant),
            director_approval=VerdictOut.of(r.director),
            service_told_at=r.service_told_at,
            remarks=r.remarks,
        )


class ServiceMonthlyOut(BaseModel):
    month: str
    department: str = "service"
    rows: list[ServiceRowOut]
    total: TotalsOut
    """合计."""


class FinanceMonthlyOut(BaseModel):
    month: str
    department: str = "finance"
    rows: list[FinanceRowOut]
    total: TotalsOut


class CountOut(BaseModel):
    forms: int
    amount_cents: int


class CauseOut(CountOut):
    cause: str
    label: str


class DailyFaultsOut(BaseModel):
    date: date
    by_cause: list[CauseOut]
    filed: CountOut
    submitted_to_finance: CountOut
    paid: CountOut
    sent_back_by_finance: CountOut
    sla_breaches: int

    @classmethod
    def of(cls, d: DailyFaults) -> DailyFaultsOut:
        def count(c: Count) -> CountOut:
            return CountOut(forms=c.forms, amount_cents=c.amount_cents)

        return cls(
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
