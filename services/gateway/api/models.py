"""Request bodies, and the shapes of the services' answers for the OpenAPI document.

The answer models document; they do not filter: the gateway passes each service's
JSON on as it came.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorOut(BaseModel):
    code: str = Field(description="Machine-readable, e.g. reason_required, forbidden")
    message: str


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "Bad request (e.g. idempotency_key_required)",
        401: "Not signed in: unauthorized, token_expired",
        403: "Your roles may not call this route: forbidden",
        404: "Not found",
        409: "Refused by a rule, or request_in_progress for the same Idempotency-Key",
        422: "Invalid input, or idempotency_key_reused",
        429: "Asked again too soon (e.g. code_requested_too_soon)",
        503: "A service behind the gateway is unavailable: service_unavailable",
    }
    return {s: {"model": ErrorOut, "description": described.get(s, "Error")} for s in statuses}


class ReasonIn(BaseModel):
    reason: str | None = Field(
        default=None,
        description="Why (操作原因). Void and reversal need one: the voucher service answers"
        " 422 reason_required without it. On a retry it is optional.",
        examples=["Customer asked to return the points, ticket 20190105-0042"],
    )


class _Documented(BaseModel):
    model_config = ConfigDict(extra="allow")


class OperationOut(_Documented):
    operation_no: str
    operator: str
    at: datetime
    type: Literal["void", "reversal"]
    result: Literal["succeeded", "failed"]
    failure: Literal["void_failed", "points_refund_failed", "voucher_used"] | None
    reason: str
    trace_id: str | None


class VoucherOut(_Documented):
    code: str
    merchant_order_no: str
    exchanged_at: datetime
    order_status: str
    source: Literal["bubble", "telecom_points", "e_coupon"]
    deduction_status: str
    status: Literal["available", "used", "voided", "expired"]
    face_value: str
    valid_from: date
    valid_to: date
    actions: list[Literal["void", "reverse"]] = Field(description="The buttons this voucher shows")


class VoucherPageOut(_Documented):
    items: list[VoucherOut]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page; null at end")


class VoucherDetailOut(VoucherOut):
    operations: list[OperationOut]


class OperationStatusOut(_Documented):
    operation_id: str
    status: Literal["pending", "succeeded", "failed"]
    failure: str | None = None


class MovementOut(_Documented):
    refund_id: str | None
    points: int
    merchant_order_no: str | None
    at: datetime
    kind: str


class PointsOut(_Documented):
    user_id: str
    balance: int
    movements: list[MovementOut] = Field(description="Newest first")


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class MeOut(BaseModel):
    username: str
    roles: list[str]


class UserIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    roles: list[str] = Field(description="From the roles table, e.g. agent, duty_lead, admin")


class UserOut(BaseModel):
    username: str
    roles: list[str]
    active: bool
    created_by: str
    created_at: datetime


class UsersOut(BaseModel):
    items: list[UserOut]


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    services: dict[str, dict[str, Any]]
