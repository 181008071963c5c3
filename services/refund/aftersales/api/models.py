"""Request and answer bodies of the after-sales API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import asyncpg
from pydantic import BaseModel, Field

from services.refund.aftersales.domain.activation import ReturnAddress
from services.refund.aftersales.domain.images import MAX_BASE64, MAX_IMAGES, Upload
from services.refund.aftersales.domain.tickets import (
    NewTicket,
    ProcessingResult,
    Review,
    ReviewOutcome,
    ServiceType,
    TicketStatus,
)
from shared.masking import mask_phone

ActivationStatus = Literal["pending_review", "approved", "rejected"]
SellerId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class AddressIn(BaseModel):
    province: str = Field(max_length=50, description="省")
    city: str = Field(max_length=50, description="市")
    district: str = Field(max_length=50, description="区 / 县")
    street: str = Field(max_length=200)
    contact_name: str = Field(max_length=50)
    contact_phone: str = Field(max_length=20)

    def address(self) -> ReturnAddress:
        return ReturnAddress(
            self.province,
            self.city,
            self.district,
            self.street,
            self.contact_name,
            self.contact_phone,
        )


class ActivationIn(BaseModel):
    seller_id: SellerId
    return_address: AddressIn


class ActivationReviewIn(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(default=None, max_length=500)
    """Required to reject: the seller sees it and applies again."""


class ActivationEvent(BaseModel):
    action: str
    actor: str
    status: str
    reason: str | None
    at: datetime


class ActivationOut(BaseModel):
    seller_id: str
    status: ActivationStatus
    return_address: AddressIn
    rejection_reason: str | None
    """Why the last application was refused: shown to the seller until they apply again."""
    submitted_by: str
    submitted_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    attempts: int
    can_apply_again: bool

    @classmethod
    def of(cls, row: asyncpg.Record, *, masked: bool = False) -> ActivationOut:
        phone = row["contact_phone"]
        return cls(
            seller_id=row["seller_id"],
            status=row["status"],
            return_address=AddressIn(
                province=row["province"],
                city=row["city"],
                district=row["district"],
                street=row["street"],
                contact_name=row["contact_name"],
                contact_phone=mask_phone(phone) if masked else phone,
            ),
            rejection_reason=row["rejection_reason"],
            submitted_by=row["submitted_by"],
            submitted_at=row["submitted_at"],
            reviewed_by=row["reviewed_by"],
            reviewed_at=row["reviewed_at"],
            attempts=row["attempts"],
            can_apply_again=row["status"] == "rejected",
        )


class ActivationDetail(ActivationOut):
    history: list[ActivationEvent]


class ActivationList(BaseModel):
    items: list[ActivationOut]
    """Contact phones masked."""


class ImageIn(BaseModel):
    filename: str = Field(min_length=1, max_length=200)
    content_type: Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
    data_base64: str = Field(
        min_length=1,
        max_length=MAX_BASE64 + 1024,
        description="The image's bytes in base64: under 800 KB once decoded",
    )

    def upload(self) -> Upload:
        return Upload(self.filename, self.content_type, self.data_base64)


class TicketIn(BaseModel):
    seller_id: SellerId
    application_no: str = Field(min_length=1, max_length=64, description="申请单号")
    order_no: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=64)
    service_type: ServiceType
    description: str = Field(min_length=1, max_length=500)
    images: Annotated[list[ImageIn], Field(max_length=MAX_IMAGES + 5)] = []
    """The customer's images: at most 3, each under 800 KB."""

    def ticket(self) -> NewTicket:
        return NewTicket(
            self.seller_id,
            self.application_no,
            self.order_no,
            self.customer_id,
            self.service_type,
            self.description,
        )


class ReviewIn(BaseModel):
    outcome: ReviewOutcome
    reason: str | None = Field(default=None, max_length=500)
    """Required to reject and to wait for the customer."""
    images: Annotated[list[ImageIn], Field(max_length=MAX_IMAGES + 5)] = []

    def review(self) -> Review:
        return Review(self.outcome, self.reason)


class BatchReviewIn(BaseModel):
    ticket_ids: list[int] = Field(min_length=1, max_length=100)
    outcome: ReviewOutcome
    """approve_shipment (one application's tickets), reject or customer_gave_up."""
    reason: str | None = Field(default=None, max_length=500)


class BatchItem(BaseModel):
    ticket_id: int
    ok: bool
    status: TicketStatus | None
    code: str | None
    message: str | None


class BatchReviewOut(BaseModel):
    reviewed: int
    refused: int
    results: list[BatchItem]
    """One per ticket, in the order asked."""


class ProcessIn(BaseModel):
    result: ProcessingResult


class ImagesIn(BaseModel):
    images: list[ImageIn] = Field(min_length=1, max_length=MAX_IMAGES + 5)


class ImageOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def of(cls, row: asyncpg.Record) -> ImageOut:
        return cls(
            id=row["id"],
            filename=row["filename"],
            content_type=row["content_type"],
            size_bytes=row["size_bytes"],
            uploaded_by=row["uploaded_by"],
            uploaded_at=row["uploaded_at"],
        )


class ImageData(ImageOut):
    data_base64: str


class ImageList(BaseModel):
    items: list[ImageOut]


TicketAction = Literal["review", "receive", "process"]


class TicketOut(BaseModel):
    id: int
    seller_id: str
    application_no: str
    order_no: str
    customer_id: str
    service_type: ServiceType
    description: str
    status: TicketStatus
    outcome: ReviewOutcome | None
    review_reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    processing_result: ProcessingResult | None
    created_by: str
    created_at: datetime
    review_due_at: datetime | None
    """When the system approves it if nobody reviews it (48 hours after it was opened)."""
    receipt_due_at: datetime | None
    processing_due_at: datetime | None
    actions: list[TicketAction]
    """What can be done next: review (reviewers), receive or process (processors)."""

    @classmethod
    def of(cls, row: asyncpg.Record) -> TicketOut:
        status = TicketStatus(row["status"])
        actions: list[TicketAction] = []
        if status in (TicketStatus.AWAITING_REVIEW, TicketStatus.AWAITING_CUSTOMER):
            actions = ["review"]
        elif status is TicketStatus.AWAITING_RECEIPT:
            actions = ["receive"]
        elif status is TicketStatus.AWAITING_PROCESSING:
            actions = ["process"]
        return cls(
            id=row["id"],
            seller_id=row["seller_id"],
            application_no=row["application_no"],
            order_no=row["order_no"],
            customer_id=row["customer_id"],
            service_type=row["service_type"],
            description=row["description"],
            status=status,
            outcome=row["outcome"],
            review_reason=row["review_reason"],
            reviewed_by=row["reviewed_by"],
            reviewed_at=row["reviewed_at"],
            processing_result=row["processing_result"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            review_due_at=row["review_due_at"],
            receipt_due_at=row["receipt_due_at"],
            processing_due_at=row["processing_due_at"],
            actions=actions,
        )


class TicketEvent(BaseModel):
    action: str
    actor: str
    actor_kind: Literal["staff", "system"]
    """``system`` for the 48-hour approval: never a person."""
    from_status: str | None
    to_status: str
    outcome: str | None
    reason: str | None
    at: datetime


class TicketDetail(TicketOut):
    history: list[TicketEvent]
    images: list[ImageOut]


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_before_id: int | None
    """Pass as ``before_id`` for the next page; None on the last page."""


class OverdueTicket(TicketOut):
    overdue_stage: Literal["review", "receipt", "processing"]
    reminded_at: datetime | None
    """When its staff were reminded (in-app); None if the sweep has not come by yet."""


class OverdueList(BaseModel):
    items: list[OverdueTicket]
