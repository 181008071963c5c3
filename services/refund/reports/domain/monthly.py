"""The monthly refund statistics of the service and finance departments (seed 003).

客服退单统计表: 序号, 提交日期, 退单编号, 订单号, 联系方式, 开户行, 金额, 提交人,
提交技术部时间, 提交财务时间, 财务反馈时间, 反馈用户时间, 备注; 合计.
财务退单统计表: 序号, 提交日期, 退单编号, 订单号, 开户行, 金额, 提交人, 出纳核实,
会计复核, 财务总监审核, 反馈客服, 备注; 合计.

The service table holds the forms filed in the month; the finance table the forms
submitted to finance in the month. Each time is the latest of its kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from services.refund.reports.domain.finance import FINANCE_STEPS, StepEvent

STATE_WORDS = {
    "awaiting_lead_check": "待值班负责人审核",
    "awaiting_tech_verification": "待技术部核实",
    "awaiting_finance_submission": "待提交财务",
    "awaiting_cashier_check": "待出纳核实",
    "awaiting_accountant_review": "待会计复核",
    "awaiting_director_approval": "待财务总监审批",
    "awaiting_second_approval": "待大额复核",
    "paying": "退款中",
    "payout_failed": "退款失败，待处理",
    "completed": "已退款",
    "sent_back": "已退回",
    "closed": "不予处理，已关闭",
}


@dataclass(frozen=True)
class FormRecord:
    form_id: str
    order_no: str
    phone: str
    bank: str
    amount_cents: int
    filed_by: str
    filed_at: datetime
    state: str
    submitted_to_finance_at: datetime | None
    sent_back_reason: str | None
    steps: tuple[StepEvent, ...] = field(default_factory=tuple)
    closed_reason: str | None = None

    def latest(self, step: str, decision: str | None = None) -> StepEvent | None:
        found = [
            s for s in self.steps if s.step == step and (decision is None or s.decision == decision)
        ]
        return max(found, key=lambda s: s.at) if found else None

    @property
    def remarks(self) -> str:
        words = STATE_WORDS.get(self.state, self.state)
        if self.state == "sent_back" and self.sent_back_reason:
            return f"{words}：{self.sent_back_reason}"
        if self.state == "closed" and self.closed_reason:
            return f"{words}：{self.closed_reason}"
        return words


@dataclass(frozen=True)
class Verdict:
    """One finance step: who decided it, when, how (通过 / 退回) and their opinion."""

    decision: str
    executor: str
    at: datetime
    opinion: str

    @property
    def words(self) -> str:
        how = "通过" if self.decision == "approved" else "退回"
        opinion = f" {self.opinion}" if self.opinion else ""
        return f"{how} {self.executor}{opinion}"


@dataclass(frozen=True)
class ServiceRow:
    seq: int
    submitted_at: datetime
    form_id: str
    order_no: str
    contact: str
    bank: str
    amount_cents: int
    submitter: str
    to_tech_at: datetime | None
    to_finance_at: datetime | None
    finance_feedback_at: datetime | None
    customer_told_at: datetime | None
    remarks: str


@dataclass(frozen=True)
class FinanceRow:
    seq: int
    submitted_at: datetime
    form_id: str
    order_no: str
    bank: str
    amount_cents: int
    submitter: str
    cashier: Verdict | None
    accountant: Verdict | None
    director: Verdict | None
    service_told_at: datetime | None
    remarks: str


@dataclass(frozen=True)
class Totals:
    count: int
    amount_cents: int


def _at(event: StepEvent | None) -> datetime | None:
    return event.at if event is not None else None


def _feedback(form: FormRecord) -> datetime | None:
    """Finance's answer to the service: the refund paid or failed, or the form sent back."""
    answers = [
        s
        for s in form.steps
        if s.step in ("paid", "payout_failed")
        or (s.step in FINANCE_STEPS and s.decision == "sent_back")
    ]
    return max(s.at for s in answers) if answers else None


def _verdict(form: FormRecord, step: str) -> Verdict | None:
    event = form.latest(step)
    if event is None:
        return None
    return Verdict(event.decision, event.executor, event.at, event.opinion)


def service_rows(forms: Iterable[FormRecord]) -> list[ServiceRow]:
    ordered = sorted(forms, key=lambda f: (f.filed_at, f.form_id))
    return [
        ServiceRow(
            seq=i,
            submitted_at=f.filed_at,
            form_id=f.form_id,
            order_no=f.order_no,
            contact=f.phone,
            bank=f.bank,
            amount_cents=f.amount_cents,
            submitter=f.filed_by,
            to_tech_at=_at(f.latest("lead_check", "approved")),
            to_finance_at=_at(f.latest("finance_submission", "approved")),
            finance_feedback_at=_feedback(f),
            customer_told_at=_at(f.latest("customer_told")),
            remarks=f.remarks,
        )
        for i, f in enumerate(ordered, 1)
    ]


def finance_rows(forms: Iterable[FormRecord]) -> list[FinanceRow]:
    submitted = [f for f in forms if f.submitted_to_finance_at is not None]
    ordered = sorted(submitted, key=lambda f: (f.submitted_to_finance_at, f.form_id))
    rows = []
    for i, f in enumerate(ordered, 1):
        submission = f.latest("finance_submission", "approved")
        assert f.submitted_to_finance_at is not None
        rows.append(
            FinanceRow(
                seq=i,
                submitted_at=f.submitted_to_finance_at,
                form_id=f.form_id,
                order_no=f.order_no,
                bank=f.bank,
                amount_cents=f.amount_cents,
                submitter=submission.executor if submission is not None else f.filed_by,
                cashier=_verdict(f, "cashier_check"),
                accountant=_verdict(f, "accountant_review"),
                director=_verdict(f, "director_approval"),
                service_told_at=_at(f.latest("agent_told")),
                remarks=f.remarks,
            )
        )
    return rows


def totals(rows: Iterable[ServiceRow | FinanceRow]) -> Totals:
    listed = list(rows)
    return Totals(len(listed), sum(r.amount_cents for r in listed))
