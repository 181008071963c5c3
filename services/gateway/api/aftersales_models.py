"""Request bodies and answer shapes of after-sales, handovers and reports, for OpenAPI.

As in :mod:`services.gateway.api.models`, the answer models document and do not
filter: the refund service's JSON is passed on as it came. Bodies are checked again,
fully, by the refund service.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

TicketStatus = Literal[
    "awaiting_review",
    "awaiting_customer",
    "awaiting_receipt",
    "awaiting_processing",
    "rejected",
    "closed",
    "completed",
]
ReviewOutcome = Literal[
    "approve_shipment", "reject", "resend_without_return", "await_customer", "customer_gave_up"
]
ProcessingResult = Literal["refunded", "exchanged", "repaired", "resent", "returned_to_customer"]
ActivationStatus = Literal["pending_review", "approved", "rejected"]
Stage = Literal["review", "receipt", "processing"]
Shift = Literal["day", "middle", "night"]


class _Documented(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- bodies ------------------------------------------------------------------


class AddressIn(BaseModel):
    province: str = Field(examples=["广东省"])
    city: str = Field(examples=["深圳市"])
    district: str = Field(examples=["南山区"], description="The third level: 区 / 县")
    street: str = Field(examples=["科技园路1号A座101"])
    contact_name: str = Field(examples=["张三"])
    contact_phone: str = Field(examples=["13800138000"])


class ActivationIn(BaseModel):
    seller_id: str = Field(examples=["S10001"])
    return_address: AddressIn


class ActivationReviewIn(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(
        default=None, description="Required to reject: the seller reads it and applies again"
    )


class ImageIn(BaseModel):
    filename: str = Field(examples=["broken.jpg"])
    content_type: Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
    data_base64: str = Field(description="The bytes in base64; under 800 KB once decoded")


class TicketIn(BaseModel):
    seller_id: str = Field(examples=["S10001"])
    application_no: str = Field(examples=["APP20261102001"], description="申请单号")
    order_no: str = Field(examples=["O20261101123"])
    customer_id: str = Field(examples=["U10001"])
    service_type: Literal["return", "exchange", "repair"]
    description: str = Field(examples=["收到的耳机左耳无声"])
    images: list[ImageIn] = Field(default_factory=list, description="At most 3")


class ReviewIn(BaseModel):
    outcome: ReviewOutcome
    reason: str | None = Field(default=None, description="Required for reject and await_customer")
    images: list[ImageIn] = Field(default_factory=list, description="At most 3 per ticket")


class BatchReviewIn(BaseModel):
    ticket_ids: list[int] = Field(examples=[[101, 102, 103]])
    outcome: ReviewOutcome = Field(
        description="approve_shipment (tickets of one application), reject or customer_gave_up"
    )
    reason: str | None = None


class ProcessIn(BaseModel):
    result: ProcessingResult


class ImagesIn(BaseModel):
    images: list[ImageIn]


class FollowUpIn(BaseModel):
    cause: str = Field(examples=["扣款成功未出票"])
    progress: str = Field(examples=["已提交财务，待出纳核实"])
    next_step: str = Field(examples=["跟进财务处理结果并回复客户"])
    contact: str = Field(examples=["王先生"])
    phone: str | None = None
    amount_cents: int | None = None
    bank: str | None = None
    form_id: str | None = Field(
        default=None, description="A refund form: its phone, amount and bank fill blanks"
    )


class HandoverIn(BaseModel):
    shift: Shift
    period_start: AwareDatetime
    period_end: AwareDatetime
    finished: list[str] = Field(default_factory=list, examples=[["1. 回复客户张先生退款进度"]])
    follow_ups: list[FollowUpIn] = Field(default_factory=list)
    notes: str = ""


# --- answers -----------------------------------------------------------------


class ActivationOut(_Documented):
    seller_id: str
    status: ActivationStatus
    return_address: AddressIn
    rejection_reason: str | None
    submitted_by: str
    submitted_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    attempts: int
    can_apply_again: bool


class ActivationListOut(_Documented):
    items: list[ActivationOut] = Field(description="Contact phones masked")


class TicketOut(_Documented):
    id: int
    seller_id: str
    application_no: str
    order_no: str
    customer_id: str
    service_type: str
    description: str
    status: TicketStatus
    outcome: ReviewOutcome | None
    review_reason: str | None
    reviewed_by: str | None = Field(description="system:auto_approval after 48 hours unreviewed")
    reviewed_at: datetime | None
    processing_result: ProcessingResult | None
    created_by: str
    created_at: datetime
    review_due_at: datetime | None
    receipt_due_at: datetime | None
    processing_due_at: datetime | None
    actions: list[Literal["review", "receive", "process"]]


class ImageOut(_Documented):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    uploaded_by: str
    uploaded_at: datetime


class ImageDataOut(ImageOut):
    data_base64: str


class ImageListOut(_Documented):
    items: list[ImageOut]


class TicketEventOut(_Documented):
    action: str
    actor: str
    actor_kind: Literal["staff", "system"]
    from_status: str | None
    to_status: str
    outcome: str | None
    reason: str | None
    at: datetime


class TicketDetailOut(TicketOut):
    history: list[TicketEventOut]
    images: list[ImageOut]


class TicketPageOut(_Documented):
    items: list[TicketOut]
    next_before_id: int | None


class OverdueTicketOut(TicketOut):
    overdue_stage: Stage
    reminded_at: datetime | None


class OverdueListOut(_Documented):
    items: list[OverdueTicketOut]


class BatchItemOut(_Documented):
    ticket_id: int
    ok: bool
    status: TicketStatus | None
    code: str | None
    message: str | None


class BatchReviewOut(_Documented):
    reviewed: int
    refused: int
    results: list[BatchItemOut]


class FormLineOut(_Documented):
    form_id: str
    order_no: str
    phone: str
    amount_cents: int
    bank: str
    at: datetime
    by: str
    result: str
    reason: str | None


class HandoverOut(_Documented):
    id: int
    shift: Shift
    period_start: datetime
    period_end: datetime
    handed_over_by: str
    handed_over_at: datetime
    finished: list[str]
    follow_ups: list[FollowUpIn]
    finance_handled: list[FormLineOut]
    submitted_to_finance: list[FormLineOut]
    sent_back_by_finance: list[FormLineOut]
    notes: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class HandoverPageOut(_Documented):
    items: list[HandoverOut] = Field(description="Phones masked")
    next_before_id: int | None


class CountOut(_Documented):
    forms: int
    amount_cents: int


class CauseOut(CountOut):
    cause: str
    label: str


class DailyFaultsOut(_Documented):
    date: date
    by_cause: list[CauseOut]
    filed: CountOut
    submitted_to_finance: CountOut
    paid: CountOut
    sent_back_by_finance: CountOut
    sla_breaches: int


class TotalsOut(_Documented):
    count: int
    amount_cents: int


class ServiceRowOut(_Documented):
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


class VerdictOut(_Documented):
    decision: str
    executor: str
    at: datetime
    opinion: str


class FinanceRowOut(_Documented):
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


class ServiceMonthlyOut(_Documented):
    month: str
    department: Literal["service"]
    rows: list[ServiceRowOut]
    total: TotalsOut


class FinanceMonthlyOut(_Documented):
    month: str
    department: Literal["finance"]
    rows: list[FinanceRowOut]
    total: TotalsOut


class QualityOut(_Documented):
    seller_id: str
    month: str
    opened: int
    reviewed_by_staff: int
    auto_approved: int = Field(description="Left unreviewed 48 hours: approved by the system")
    overdue_tickets: int
    completed: int
    average_review_minutes: int | None
    on_time_percent: int | None
    overdue_percent: int | None
    grade: Literal["A", "B", "C"] | None
