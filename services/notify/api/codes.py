"""Verification codes: send one to a phone, check one. The code never leaves in an answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from services.notify.api.common import NotifyDeps
from services.notify.domain.codes import CheckFailure
from services.notify.handlers.codes import check_code, request_code
from shared.http import CurrentActor, IdempotencyKey
from shared.masking import mask_phone

router = APIRouter(tags=["verification codes"])
Purpose = Annotated[str, Field(min_length=1, max_length=32, examples=["login", "top_up"])]


class CodeRequestIn(BaseModel):
    phone: str
    purpose: Purpose = "login"
    """What the code proves (login, top_up, ...): a code is checked only for its purpose."""


class CodeIssuedOut(BaseModel):
    id: str
    phone: str
    """Masked."""
    purpose: str
    issued_at: datetime
    expires_at: datetime
    attempts_allowed: int
    sms_dedupe_key: str
    """The SMS log entry of this code is found by this key."""


class CodeCheckIn(BaseModel):
    phone: str
    purpose: Purpose = "login"
    code: Annotated[str, Field(min_length=1, max_length=12)]


class CodeCheckOut(BaseModel):
    valid: bool
    reason: CheckFailure | None
    attempts_left: int


@router.post(
    "/verification-codes", status_code=status.HTTP_201_CREATED, response_model=CodeIssuedOut
)
async def post_verification_code(
    body: CodeRequestIn,
    deps: NotifyDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> CodeIssuedOut:
    """Generate a code, keep only its hash, and send it by SMS (template verification_code).
    429 ``code_requested_too_soon`` within the resend interval."""
    issued = await request_code(
        deps,
        phone=body.phone,
        purpose=body.purpose,
        actor=actor.username,
        idempotency_key=idempotency_key,
    )
    return CodeIssuedOut(
        id=issued.id,
        phone=mask_phone(issued.phone),
        purpose=issued.purpose,
        issued_at=issued.issued_at,
        expires_at=issued.expires_at,
        attempts_allowed=issued.attempts_allowed,
        sms_dedupe_key=issued.sms_dedupe_key,
    )


@router.post("/verification-codes/check", response_model=CodeCheckOut)
async def post_check(body: CodeCheckIn, deps: NotifyDeps, _actor: CurrentActor) -> CodeCheckOut:
    """Check a code against the latest one sent for the phone and purpose. A wrong code uses
    an attempt (so the answer is 200 with ``valid: false``, not an error); a right one uses
    the code up."""
    result = await check_code(deps, phone=body.phone, purpose=body.purpose, code=body.code)
    return CodeCheckOut(
        valid=result.valid,
        reason=result.reason,
        attempts_left=result.attempts_left,
    )
