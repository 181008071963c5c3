"""The refund service's shift handovers and reports, as HTTP bodies and answers (seed
003): the handover record, daily fault statistics, the monthly refund statistics.

The refund service validates and answers with these; the gateway declares them for its
OpenAPI document and passes the service's JSON on as it came.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from shared.timestamps import Timestamp

Shift = Literal["day", "middle", "night"]


# --- bodies ------------------------------------------------------------------


class FollowUpIn(BaseModel):
    cause: str = Field(
        max_length=500, examples=["扣款成功未出票"], description="事件原因 (or the form's cause)"
    )
    progress: str = Field(
        max_length=500,
        examples=["已提交财务，待出纳核实"],
        description="经过, and the step it has reached",
    )
    next_step: str = Field(
        max_length=500,
        examples=["跟进财务处理结果并回复客户"],
        description="What the next shift does",
    )
    contact: str = Field(max_length=500, examples=["王先生"], description="The customer's contact")
    phone: str | None = Field(default=None, max_length=20)
    amount_cents: int | None = Field(default=None, gt=0)
    bank: str | None = Field(default=None, max_length=100)
    form_id: str | None = Field(
        default=None,
        max_length=64,
        description="A refund form: its phone, amount and bank fill what is left blank",
    )


class HandoverIn(BaseModel):
    shift: Shift
    period_start: AwareDatetime
    period_end: AwareDatetime
    finished: list[str] = Field(
        default_factory=list,
        max_length=50,
        examples=[["1. 回复客户张先生退款进度"]],
        description="完成工作明细, one item each (none: an empty list, the seed's 无)",
    )
    follow_ups: list[FollowUpIn] = Field(default_factory=list, max_length=50)
    notes: str = Field(default="", max_length=500)


# --- answers -----------------------------------------------------------------


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
    form_id: str = Field(description="文件编号")
    order_no: str
    phone: str
    amount_cents: int
    bank: str
    at: Timestamp
    by: str
    result: str
    reason: str | None


class HandoverOut(BaseModel):
    id: int
    shift: Shift
    period_start: Timestamp
    period_end: Timestamp
    handed_over_by: str
    handed_over_at: Timestamp
    finished: list[str]
    follow_ups: list[FollowUpOut]
    finance_handled: list[FormLineOut] = Field(
        description="财务已处理: paid, or the payout failed (未入帐), during the shift"
    )
    submitted_to_finance: list[FormLineOut] = Field(description="已提交财务 during the shift")
    sent_back_by_finance: list[FormLineOut] = Field(
        description="财务退回 during the shift, with the reason"
    )
    notes: str
    acknowledged_by: str | None
    acknowledged_at: Timestamp | None


class HandoverPageOut(BaseModel):
    items: list[HandoverOut] = Field(description="Phones masked")
    next_before_id: int | None


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


class TotalsOut(BaseModel):
    count: int
    amount_cents: int


class ServiceRowOut(BaseModel):
    seq: int
    submitted_at: Timestamp
    form_id: str
    order_no: str
    contact: str = Field(description="The registered phone, masked")
    bank: str
    amount_cents: int
    submitter: str
    to_tech_at: Timestamp | None
    to_finance_at: Timestamp | None
    finance_feedback_at: Timestamp | None
    customer_told_at: Timestamp | None
    remarks: str


class VerdictOut(BaseModel):
    decision: str
    executor: str
    at: Timestamp
    opinion: str


class FinanceRowOut(BaseModel):
    seq: int
    submitted_at: Timestamp
    form_id: str
    order_no: str
    bank: str
    amount_cents: int
    submitter: str
    cashier_check: VerdictOut | None
    accountant_review: VerdictOut | None
    director_approval: VerdictOut | None
    service_told_at: Timestamp | None
    remarks: str


class ServiceMonthlyOut(BaseModel):
    month: str
    department: Literal["service"] = "service"
    rows: list[ServiceRowOut]
    total: TotalsOut = Field(description="合计")


class FinanceMonthlyOut(BaseModel):
    month: str
    department: Literal["finance"] = "finance"
    rows: list[FinanceRowOut]
    total: TotalsOut
