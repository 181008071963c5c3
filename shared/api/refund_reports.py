"""The refund service's shift handovers and reports, as HTTP bodies and answers (seed
003): the handover record, daily fault statistics, the monthly refund statistics.

The refund service validates and answers with these; the gateway declares them for its
OpenAPI document and passes the service's JSON on as it came.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.api.base import ApiModel, BodyModel
from shared.paging import PageOut
from shared.timestamps import Timestamp

Shift = Literal["day", "middle", "night"]


# --- bodies ------------------------------------------------------------------


class FollowUpIn(BodyModel):
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


Name = Annotated[str, Field(min_length=1, max_length=64)]
Names = Annotated[list[Name], Field(max_length=50)]


class AttendanceIn(BodyModel):
    """考勤: names; everyone due is present or absent; only someone present is late or left
    early (422 invalid_handover otherwise)."""

    expected: Names = Field(min_length=1, description="应到值班人员", examples=[["张三", "李四"]])
    present: Names = Field(description="实到值班人员", examples=[["张三"]])
    late: Names = Field(default_factory=list, description="迟到人员", examples=[["张三"]])
    left_early: Names = Field(default_factory=list, description="早退人员")
    absent: Names = Field(default_factory=list, description="旷工人员", examples=[["李四"]])


class CleaningIn(BodyModel):
    done: bool = Field(description="卫生是否打扫")
    responsible: Name = Field(description="相关责任人签字确认", examples=["张三"])
    note: str = Field(default="", max_length=500)


class HandoverIn(BodyModel):
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
    attendance: AttendanceIn
    cleaning: CleaningIn


# --- answers -----------------------------------------------------------------


class FollowUpOut(ApiModel):
    cause: str
    progress: str
    next_step: str
    contact: str
    phone: str | None
    amount_cents: int | None
    bank: str | None
    form_id: str | None


class FormLineOut(ApiModel):
    form_id: str = Field(description="文件编号")
    order_no: str
    phone: str
    amount_cents: int
    bank: str
    at: Timestamp
    by: str
    result: str
    reason: str | None


class HandoverOut(ApiModel):
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
    attendance: AttendanceIn | None = Field(
        description="考勤 (null on handovers written before it was recorded)"
    )
    cleaning: CleaningIn | None = Field(description="卫生 and who signed for it")
    actions: list[Literal["acknowledge"]] = Field(
        description="acknowledge: the caller is a duty lead other than the writer, and nobody"
        " has acknowledged it yet (the rule the command runs)"
    )


class HandoverPageOut(PageOut):
    items: list[HandoverOut] = Field(description="Phones masked")


class CountOut(ApiModel):
    forms: int
    amount_cents: int


class CauseOut(CountOut):
    cause: str
    label: str


class DailyFaultsOut(ApiModel):
    date: date
    by_cause: list[CauseOut]
    filed: CountOut
    submitted_to_finance: CountOut
    paid: CountOut
    sent_back_by_finance: CountOut
    sla_breaches: int


class TotalsOut(ApiModel):
    count: int
    amount_cents: int


class ServiceRowOut(ApiModel):
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


class VerdictOut(ApiModel):
    decision: str
    executor: str
    at: Timestamp
    opinion: str


class FinanceRowOut(ApiModel):
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


Department = Literal["service", "finance"]
StatisticsState = Literal["draft", "approved", "returned", "verified", "archived"]
StatisticsAction = Literal["approve", "return", "verify", "archive", "follow_up"]
_STATE_WORDS = (
    "draft or returned: computed from the forms when asked; approved, verified, archived:"
    " the table the department head approved, stored, never recomputed"
)


class ServiceMonthlyOut(ApiModel):
    month: str
    department: Literal["service"] = "service"
    state: StatisticsState = Field(default="draft", description=_STATE_WORDS)
    rows: list[ServiceRowOut]
    total: TotalsOut = Field(description="合计")


class FinanceMonthlyOut(ApiModel):
    month: str
    department: Literal["finance"] = "finance"
    state: StatisticsState = Field(default="draft", description=_STATE_WORDS)
    rows: list[FinanceRowOut]
    total: TotalsOut


class StatisticsOpinionIn(BodyModel):
    opinion: str = Field(default="", max_length=1000, examples=["本月退款统计核对无误"])


class StatisticsReasonIn(BodyModel):
    reason: str = Field(
        min_length=1, max_length=1000, description="Why the table goes back to the head"
    )


class FollowUpNoteIn(BodyModel):
    note: str = Field(
        min_length=1,
        max_length=1000,
        description="后期执行情况跟踪: how things went afterwards",
        examples=["3笔退款已于次月5日前全部到账，客户无再次投诉"],
    )


class DecisionOut(ApiModel):
    by: str | None
    at: Timestamp | None
    text: str | None = Field(description="The opinion, or the reason for a return")


class StatisticsStepOut(ApiModel):
    action: StatisticsAction
    actor: str
    role: str
    opinion: str
    at: Timestamp


class MonthlyStatisticsSummaryOut(ApiModel):
    month: str = Field(examples=["2026-11"])
    department: Department
    state: StatisticsState
    due_on: date = Field(description="Due at the admin/HR office: the 1st, past a weekend")
    approved: DecisionOut = Field(description="部门主管审核")
    returned: DecisionOut = Field(description="The office's latest return, with its reason")
    verified: DecisionOut = Field(description="行政人事部核实")
    archived: DecisionOut = Field(description="存档")
    total: TotalsOut | None = Field(description="The stored table's 合计; null while computed")
    actions: list[StatisticsAction] = Field(
        description="What the caller may do now: approve (the department's head: duty_lead"
        " for service, finance_director for finance, once the month ended), return, verify"
        " (not who approved), archive and follow_up (admin_hr)"
    )


class MonthlyStatisticsOut(MonthlyStatisticsSummaryOut):
    follow_ups: list[StatisticsStepOut] = Field(description="后期执行情况跟踪, oldest first")
    history: list[StatisticsStepOut] = Field(description="Every decision, oldest first")


class MonthlyStatisticsPageOut(PageOut):
    items: list[MonthlyStatisticsSummaryOut]
