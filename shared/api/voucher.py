"""The voucher service's HTTP bodies and answers: vouchers, their operation records, and
the void, reversal and retry commands.

The voucher service validates and answers with these; the gateway declares them for its
OpenAPI document and passes the service's JSON on as it came.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.api.base import ApiModel, BodyModel
from shared.paging import PageOut
from shared.timestamps import Timestamp

Source = Literal["bubble", "telecom_points", "e_coupon"]
VoucherStatus = Literal["available", "used", "voided", "expired"]
OperationType = Literal["void", "reversal"]
OperationStatus = Literal["pending", "succeeded", "failed"]
Failure = Literal["void_failed", "points_refund_failed", "voucher_used"]


class ReasonIn(BodyModel):
    reason: str | None = Field(
        default=None,
        description="Why (操作原因). Void and reversal need one: the voucher service answers"
        " 422 reason_required without it. On a retry it is optional and replaces the first.",
        examples=["Customer asked to return the points, ticket 20190105-0042"],
    )


class OperationOut(ApiModel):
    """An operation record (操作记录), append-only."""

    operation_no: int
    operation_id: UUID
    operator: str
    at: Timestamp
    type: OperationType
    result: Literal["succeeded", "failed"]
    failure: Failure | None
    reason: str
    trace_id: str | None


class VoucherOut(ApiModel):
    code: str
    merchant_order_no: str
    exchanged_at: Timestamp
    order_status: str
    source: Source
    deduction_status: str
    status: VoucherStatus
    face_value: str = Field(description='A decimal string, "10.00": money never is a float')
    valid_from: date
    valid_to: date
    phone: str = Field(description="Masked: 138****8000")
    user_id: str
    redeemed_at: Timestamp | None
    store_id: str | None
    actions: list[Literal["void", "reverse"]] = Field(
        description="The commands the caller could run on it now, from the rules the commands"
        " check: void when it is available (no void or reversal under way); reverse when its"
        " order's source is bubble points, its points were taken and every voucher of the"
        " order is still available (one used voucher blocks it). Empty for other roles."
    )


class OperationPageOut(PageOut):
    items: list[OperationOut] = Field(
        description="By operation number, oldest first; every record on one page"
    )


class VoucherPageOut(PageOut):
    items: list[VoucherOut] = Field(description="Newest exchange first")


class VoucherDetailOut(VoucherOut):
    operations: list[OperationOut]


class OperationStatusOut(ApiModel):
    """What a void, reversal or retry command answers."""

    operation_id: UUID
    status: OperationStatus
    failure: Failure | None = None


class OperationViewOut(OperationStatusOut):
    """Where an operation stands, with what it acts on."""

    type: OperationType
    merchant_order_no: str
    code: str | None = Field(
        description="The voided voucher; null for a reversal, which acts on the whole order"
    )
    reason: str
    operator: str
    attempt: int
    created_at: Timestamp
    updated_at: Timestamp
