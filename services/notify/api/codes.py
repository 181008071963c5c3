"""Verification codes: send one to a phone, check one. The code never leaves in an answer."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.notify.api.common import NotifyDeps
from services.notify.handlers.codes import check_code, request_code
from shared.api.notify import CodeCheckIn, CodeCheckOut, CodeIssuedOut, CodeRequestIn
from shared.http import CurrentActor, IdempotencyKey
from shared.masking import mask_phone

router = APIRouter(tags=["verification codes"])


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
