"""The SMS log and verification codes, from the notify service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.gateway.api.models import errors
from services.gateway.api.paging import Cursor, Limit
from services.gateway.calls import Call
from shared.api.notify import (
    CodeCheckIn,
    CodeCheckOut,
    CodeIssuedOut,
    CodeLookupPageOut,
    CodeRequestIn,
    LatestCodeOut,
    SmsDetailOut,
    SmsPageOut,
    SmsStatus,
)

router = APIRouter(tags=["sms"])
PHONE = "The full phone number"


# The fixed paths come before /sms/{sms_id}, which would otherwise match them.
@router.get(
    "/api/v1/notify/sms",
    responses={200: {"model": SmsPageOut}, **errors(401, 403, 422, 503)},
)
async def sms_log(
    call: Call,
    phone: Annotated[str | None, Query(description=PHONE, examples=["13800138000"])] = None,
    status: Annotated[SmsStatus | None, Query(description="Only SMS in this state")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """The SMS log (短信列表), newest first; phones and verification codes masked."""
    return await call.forward()


@router.get(
    "/api/v1/notify/sms/latest-code",
    responses={200: {"model": LatestCodeOut}, **errors(401, 403, 404, 422, 503)},
)
async def latest_code(
    call: Call,
    phone: Annotated[str, Query(description=PHONE, examples=["13800138000"])],
) -> Response:
    """The latest verification code sent to a phone, in clear, to read to a customer who did
    not receive it (404 ``no_code_sent``). Duty leads only; every look-up is recorded."""
    return await call.forward()


@router.get(
    "/api/v1/notify/sms/code-lookups",
    responses={200: {"model": CodeLookupPageOut}, **errors(401, 403, 422, 503)},
)
async def code_lookups(
    call: Call,
    phone: Annotated[str | None, Query(description=PHONE, examples=["13800138000"])] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Who looked up which phone's latest code, and when; newest first."""
    return await call.forward()


@router.get(
    "/api/v1/notify/sms/{sms_id}",
    responses={200: {"model": SmsDetailOut}, **errors(401, 403, 404, 422, 503)},
)
async def sms_detail(sms_id: int, call: Call) -> Response:
    """One SMS with every call to a provider (the failover and retry story)."""
    return await call.forward()


@router.post(
    "/api/v1/notify/verification-codes",
    status_code=201,
    responses={201: {"model": CodeIssuedOut}, **errors(401, 403, 422, 429, 503)},
)
async def send_code(body: CodeRequestIn, call: Call) -> Response:
    """Send the customer a new verification code by SMS (429 ``code_requested_too_soon``
    within the resend interval). The code itself is never in the answer."""
    return await call.forward(body)


@router.post(
    "/api/v1/notify/verification-codes/check",
    responses={200: {"model": CodeCheckOut}, **errors(401, 403, 422, 503)},
)
async def check_code(body: CodeCheckIn, call: Call) -> Response:
    """Check the code a customer reads out: ``valid`` false with a reason uses an attempt."""
    return await call.forward(body)
