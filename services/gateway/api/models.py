"""The gateway's own bodies and answers (sign-in, users, health) and its error shape.

The services' bodies and answers live in :mod:`shared.api`, one declaration for the
service that answers with them and the gateway that documents them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shared.api.base import ApiModel, BodyModel
from shared.timestamps import Timestamp


class ErrorOut(ApiModel):
    code: str = Field(description="Machine-readable, e.g. reason_required, forbidden")
    message: str


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "Bad request (e.g. idempotency_key_required)",
        401: "Not signed in: unauthorized, token_expired, signed_out",
        403: "Your roles may not call this route: forbidden",
        404: "Not found",
        409: "Refused by a rule, or request_in_progress for the same Idempotency-Key",
        422: "Invalid input, or idempotency_key_reused",
        429: "Asked again too soon (code_requested_too_soon, too_many_attempts): see Retry-After",
        503: "A service behind the gateway is unavailable (service_unavailable), or busy",
    }
    return {s: {"model": ErrorOut, "description": described.get(s, "Error")} for s in statuses}


class LoginIn(BodyModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(ApiModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class PasswordChangeIn(BodyModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordResetIn(BodyModel):
    new_password: str = Field(
        min_length=1, max_length=256, description="Tell the person; they must change it"
    )


class RolesIn(BodyModel):
    roles: list[str] = Field(description="The account's roles from now on (all of them)")


class MeOut(ApiModel):
    username: str
    roles: list[str]
    groups: list[str] = Field(
        description="The areas the roles may use (vouchers, notify.sms, ...), from the route table"
    )
    routes: list[str] = Field(
        description='Every route the roles may call, as "METHOD /path/{param}"',
        examples=[["GET /api/v1/vouchers", "POST /api/v1/vouchers/{code}/void"]],
    )


class UserIn(BodyModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    roles: list[str] = Field(description="From the roles table, e.g. agent, duty_lead, admin")


class UserOut(ApiModel):
    username: str
    roles: list[str]
    active: bool
    created_by: str
    created_at: Timestamp
    must_change_password: bool = False


class UsersOut(ApiModel):
    items: list[UserOut]


class HealthOut(ApiModel):
    status: Literal["ok", "degraded"]
    down: list[str]
    """What is down, as ``<service>: <part>`` (``points: consumer points.reversal``)."""
    services: dict[str, dict[str, Any]]
