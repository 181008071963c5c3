"""Counter top-ups: an SMS code, the identity check, the top-up, receipts by serial number."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import HTMLResponse

from services.rental.accounts.api.common import Accounts, key_required
from services.rental.accounts.api.receipt_page import receipt_html
from services.rental.accounts.domain.errors import VerificationNotFound
from services.rental.accounts.domain.fund_flow import yuan
from services.rental.accounts.domain.stored import Receipt
from services.rental.accounts.domain.topup import PaymentMethod, TopUpRequest
from services.rental.accounts.domain.topup_identity import IdentityMethod
from services.rental.accounts.handlers import topups as handlers
from services.rental.accounts.store import topups as store
from services.rental.api.common import Cursor, Limit, keyset, paged
from shared.api.rental_accounts import (
    CodeIn,
    CodeSentOut,
    IdentityCheckIn,
    ReceiptOut,
    ReceiptPageOut,
    TopUpIn,
    VerificationOut,
)
from shared.http import CurrentActor, IdempotencyKey
from shared.masking import mask_card, mask_phone
from shared.paging import decode_cursor

router = APIRouter(tags=["top-ups"])


def receipt_out(row: Receipt) -> ReceiptOut:
    return ReceiptOut(
        serial_no=row.serial_no,
        user_id=row.user_id,
        amount_cents=row.amount_cents,
        amount_yuan=yuan(row.amount_cents),
        at=row.at,
        payment_method=row.payment_method,
        payer_account=mask_card(row.payer_account),
        balance_before_cents=row.balance_before,
        balance_after_cents=row.balance_after,
        bonus_cents=row.bonus_cents,
        agent=row.agent,
    )


@router.post("/topups/codes", status_code=status.HTTP_201_CREATED, response_model=CodeSentOut)
async def post_code(
    body: CodeIn, deps: Accounts, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> CodeSentOut:
    """Send the customer's registered phone a top-up code by SMS (through the notify
    service); 429 code_requested_too_soon within the resend interval. The same
    Idempotency-Key answers the first code and sends nothing; for another customer, 422
    idempotency_key_reused."""
    sent = await handlers.send_code(
        deps, user_id=body.user_id, actor=actor.username, idempotency_key=idempotency_key
    )
    return CodeSentOut(
        id=sent.id,
        phone=mask_phone(sent.phone),
        expires_at=sent.expires_at,
        sms_dedupe_key=sent.sms_dedupe_key,
    )


@router.post(
    "/topups/identity-checks", status_code=status.HTTP_201_CREATED, response_model=VerificationOut
)
async def post_identity_check(
    body: IdentityCheckIn, deps: Accounts, actor: CurrentActor
) -> VerificationOut:
    """Verify the customer: the SMS code they read out (422 verification_code_invalid uses
    an attempt), or an ID document / face check the agent records."""
    verified = await handlers.verify_identity(
        deps,
        user_id=body.user_id,
        method=IdentityMethod(body.method),
        code=body.code,
        document_last4=body.document_last4,
        actor=actor.username,
    )
    return VerificationOut(
        verification_id=verified.id,
        user_id=verified.user_id,
        method=verified.method,
        verified_by=verified.verified_by,
        expires_at=verified.expires_at,
    )


@router.post("/topups", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
async def post_top_up(
    body: TopUpIn, deps: Accounts, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> ReceiptOut:
    """Top up at the counter; answers the receipt. Refusals: identity_not_verified,
    card_expired / card_reported_lost / card_frozen, amount_mismatch, amount_over_limit,
    daily_amount_over_limit, daily_count_over_limit, payer_account_short (402),
    device_fault (502). A refusal changes nothing. The same Idempotency-Key again answers
    the receipt; 503 top_up_in_progress while the device is charging; 502
    top_up_unconfirmed when the device gave no answer (the charge is confirmed by asking
    it again: retry with the same key)."""
    try:
        uuid.UUID(body.verification_id)
    except ValueError as exc:
        raise VerificationNotFound("no such identity verification") from exc
    row = await handlers.top_up(
        deps,
        TopUpRequest(
            user_id=body.user_id,
            amount_cents=body.amount_cents,
            confirmed_amount_cents=body.confirmed_amount_cents,
            verification=None,
            payment_method=PaymentMethod(body.payment_method),
            payer_account=body.payer_account,
        ),
        verification_id=body.verification_id,
        agent=actor.username,
        roles=actor.roles,
        idempotency_key=key_required(idempotency_key),
    )
    return receipt_out(row)


@router.get("/topups", response_model=ReceiptPageOut)
async def get_receipts(
    deps: Accounts,
    _actor: CurrentActor,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[date | None, Query(description="Local date, inclusive")] = None,
    date_to: Annotated[date | None, Query(description="Local date, inclusive")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ReceiptPageOut:
    """Receipts (交易凭证), newest first, by customer and dates."""
    rows = await store.search_receipts(
        deps.pool,
        user_id=user_id,
        day_from=date_from,
        day_to=date_to,
        tz=deps.settings.timezone,
        after=decode_cursor(cursor),
        limit=limit,
    )
    return ReceiptPageOut(**paged(rows, limit, keyset("at", "serial_no"), receipt_out))


@router.get("/topups/{serial_no}", response_model=ReceiptOut)
async def get_receipt(serial_no: str, deps: Accounts, _actor: CurrentActor) -> ReceiptOut:
    """One receipt by its transaction serial number (404 receipt_not_found)."""
    return receipt_out(await handlers.receipt(deps, serial_no))


@router.get(
    "/topups/{serial_no}/receipt.html",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "The receipt, to print"}},
)
async def print_receipt(serial_no: str, deps: Accounts, _actor: CurrentActor) -> HTMLResponse:
    """The receipt as a page to print at the counter (80 mm paper; print CSS), the same
    facts as the JSON (404 receipt_not_found)."""
    receipt = receipt_out(await handlers.receipt(deps, serial_no))
    return HTMLResponse(receipt_html(receipt, deps.settings.tz))
