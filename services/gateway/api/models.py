"""The gateway's own bodies and answers (sign-in, users, health) and its error shape.

The services' bodies and answers live in :mod:`shared.api`, one declaration for the
service that answers with them and the gateway that documents them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


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
    groups: list[str] = Field(
        description="The areas the roles may use (vouchers, notify.sms, ...), from the route table"
    )
    routes: list[str] = Field(
        description='Every route the roles may call, as "METHOD /path/{param}"',
        examples=[["GET /api/v1/vouchers", "POST /api/v1/vouchers/{code}/void"]],
    )


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
