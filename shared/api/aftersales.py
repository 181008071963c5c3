"""The refund service's after-sales HTTP bodies and answers (seed 002): sellers'
activations, service tickets, their images and batch review, service quality.

The refund service validates and answers with these; the gateway declares them for its
OpenAPI document and passes the service's JSON on as it came. The vocabularies match
the service's domain enums (a unit test holds them together).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shared.api.base import ApiModel, BodyModel
from shared.paging import PageOut
from shared.timestamps import Timestamp

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
ServiceType = Literal["return", "exchange", "repair"]
ProcessingResult = Literal["refunded", "exchanged", "repaired", "resent", "returned_to_customer"]
ActivationStatus = Literal["pending_review", "approved", "rejected"]
Stage = Literal["review", "receipt", "processing"]
TicketAction = Literal["review", "receive", "process"]
ImageType = Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
ImageKind = Literal["customer", "review"]
SellerId = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["S10001"])
]

IMAGES_AT_MOST = 8
"""A bound against abuse only: the service itself refuses a fourth image with
too_many_images, which says more than a schema error."""
BASE64_AT_MOST = 1_100_000
"""Likewise: an image of 800 KB or more is refused by the service (413 image_too_large)."""
TICKET_BODY_LIMIT = IMAGES_AT_MOST * BASE64_AT_MOST + 64 * 1024
"""Bodies of the ticket routes carry images inline: the schema's bounds and the rest
(shared.input_guard holds every other route to 1 MiB)."""


# --- bodies ------------------------------------------------------------------


class AddressIn(BodyModel):
    province: str = Field(max_length=50, examples=["广东省"], description="省")
    city: str = Field(max_length=50, examples=["深圳市"], description="市")
    district: str = Field(
        max_length=50, examples=["南山区"], description="The third level: 区 / 县"
    )
    street: str = Field(max_length=200, examples=["科技园路1号A座101"])
    contact_name: str = Field(max_length=50, examples=["张三"])
    contact_phone: str = Field(max_length=20, examples=["13800138000"])


class ActivationIn(BodyModel):
    seller_id: SellerId
    return_address: AddressIn


class ActivationReviewIn(BodyModel):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="Required to reject: the seller reads it and applies again",
    )


class ImageIn(BodyModel):
    filename: str = Field(min_length=1, max_length=200, examples=["broken.jpg"])
    content_type: ImageType
    data_base64: str = Field(
        min_length=1,
        max_length=BASE64_AT_MOST,
        description="The image's bytes in base64: under 800 KB once decoded",
    )


Images = Annotated[list[ImageIn], Field(max_length=IMAGES_AT_MOST, description="At most 3")]


class TicketIn(BodyModel):
    seller_id: SellerId
    application_no: str = Field(
        min_length=1, max_length=64, examples=["APP20261102001"], description="申请单号"
    )
    order_no: str = Field(min_length=1, max_length=64, examples=["O20261101123"])
    customer_id: str = Field(min_length=1, max_length=64, examples=["U10001"])
    service_type: ServiceType
    description: str = Field(min_length=1, max_length=500, examples=["收到的耳机左耳无声"])
    images: Images = Field(default_factory=list)


class ReviewIn(BodyModel):
    outcome: ReviewOutcome
    reason: str | None = Field(
        default=None, max_length=500, description="Required for reject and await_customer"
    )
    images: Images = Field(
        default=[],
        description="The review result's images: at most 3 of its own, whatever the customer sent",
    )


class BatchReviewIn(BodyModel):
    ticket_ids: list[int] = Field(min_length=1, max_length=100, examples=[[101, 102, 103]])
    outcome: ReviewOutcome = Field(
        description="approve_shipment (tickets of one application), reject or customer_gave_up"
    )
    reason: str | None = Field(default=None, max_length=500)


class ProcessIn(BodyModel):
    result: ProcessingResult


SellerPermission = Literal["review", "process"]


class StaffIn(BodyModel):
    permissions: list[SellerPermission] = Field(
        max_length=2,
        description="What this staff member may do for the seller: review (审核), process"
        " (处理); none: nothing yet (子账户需要主账户分配)",
        examples=[["review"]],
    )


class ImagesIn(BodyModel):
    kind: ImageKind | None = Field(
        default=None,
        description="customer (agents, duty leads) or review (reviewers); by default a"
        " reviewer's are the review's, anyone else's the customer's. At most 3 of each kind",
    )
    images: list[ImageIn] = Field(min_length=1, max_length=IMAGES_AT_MOST)


# --- answers -----------------------------------------------------------------


class ActivationEvent(ApiModel):
    action: str
    actor: str
    status: str
    reason: str | None
    at: Timestamp


class ActivationOut(ApiModel):
    seller_id: str
    status: ActivationStatus
    return_address: AddressIn
    rejection_reason: str | None = Field(
        description="Why the last application was refused: shown until the seller applies again"
    )
    submitted_by: str
    submitted_at: Timestamp
    reviewed_by: str | None
    reviewed_at: Timestamp | None
    attempts: int
    can_apply_again: bool = Field(
        description="Whether the caller may apply again now: the seller's main account, after"
        " a rejection (the rule the application checks)"
    )
    can_review: bool = Field(
        description="Whether the caller may approve or reject it now: an operations supervisor"
        " other than who sent it, while it waits for review (the rule the review checks)"
    )


class ActivationDetail(ActivationOut):
    history: list[ActivationEvent]


class ActivationListOut(PageOut):
    items: list[ActivationOut] = Field(description="Newest first; contact phones masked")


class BatchItemOut(ApiModel):
    ticket_id: int
    ok: bool
    status: TicketStatus | None
    code: str | None
    message: str | None


class BatchReviewOut(ApiModel):
    reviewed: int
    refused: int
    results: list[BatchItemOut] = Field(description="One per ticket, in the order asked")


class ImageOut(ApiModel):
    id: int
    kind: ImageKind = Field(
        description="The customer's evidence or the review result's: at most 3 of each"
    )
    filename: str
    content_type: str
    size_bytes: int
    uploaded_by: str
    uploaded_at: Timestamp


class ImageDataOut(ImageOut):
    data_base64: str


class ImageListOut(PageOut):
    items: list[ImageOut] = Field(
        description="The customer's, then the review's; at most 6, every one on one page"
    )


class TicketOut(ApiModel):
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
    reviewed_by: str | None = Field(description="system:auto_approval after 48 hours unreviewed")
    reviewed_at: Timestamp | None
    processing_result: ProcessingResult | None
    created_by: str
    created_at: Timestamp
    review_due_at: Timestamp | None = Field(
        description="When the system approves it if nobody reviews it (48 hours after opening)"
    )
    receipt_due_at: Timestamp | None
    processing_due_at: Timestamp | None
    actions: list[TicketAction] = Field(
        description="The commands the caller could run on it now, from the rule the commands"
        " check: review (a reviewer with the seller's review permission, while it awaits review"
        " or the customer), receive and process (a processor with the seller's processing"
        " permission, in their turn). Customer service sees none."
    )


class TicketEventOut(ApiModel):
    action: str
    actor: str
    actor_kind: Literal["staff", "system"] = Field(
        description="system for the 48-hour approval: never a person"
    )
    from_status: str | None
    to_status: str
    outcome: str | None
    reason: str | None
    at: Timestamp


class TicketDetailOut(TicketOut):
    history: list[TicketEventOut]
    images: list[ImageOut]


class TicketPageOut(PageOut):
    items: list[TicketOut] = Field(description="Newest first")


class OverdueTicketOut(TicketOut):
    overdue_stage: Stage
    reminded_at: Timestamp | None = Field(
        description="When its staff were reminded (in-app); null if the sweep has not come by"
    )


class OverdueListOut(PageOut):
    items: list[OverdueTicketOut] = Field(description="Longest waiting first")


class QualityOut(ApiModel):
    seller_id: str
    month: str
    opened: int
    reviewed_by_staff: int
    auto_approved: int = Field(description="Left unreviewed 48 hours: approved by the system")
    overdue_tickets: int
    completed: int
    average_review_minutes: int | None
    on_time_percent: int | None = Field(
        description="Reviews the seller made, of all reviews (the rest were the system's)"
    )
    overdue_percent: int | None
    grade: Literal["A", "B", "C"] | None = Field(description="null for a month without reviews")


class StaffOut(ApiModel):
    seller_id: str
    username: str
    permissions: list[SellerPermission]
    added_by: str
    added_at: Timestamp
    updated_by: str
    updated_at: Timestamp


class StaffListOut(PageOut):
    seller_id: str
    main_account: str = Field(description="Has every permission; manages the staff below")
    items: list[StaffOut] = Field(description="Every staff member, by username (one page)")


class RegionOut(ApiModel):
    code: str = Field(examples=["440300"], description="The national division code (GB/T 2260)")
    name: str = Field(examples=["深圳市"])
    has_children: bool = Field(description="Whether a level lies below (province, city)")


class RegionListOut(PageOut):
    items: list[RegionOut] = Field(
        description="The provinces, or the divisions one level below the parent, by code; one page"
    )
