"""Counter top-ups (线下储值): send an SMS code, verify identity, top up, look up receipts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.rental.domain import ledger
from services.rental.domain.account_errors import (
    AccountNotFound,
    DeviceFault,
    NoPhoneOnFile,
    PayerAccountShort,
    ReceiptNotFound,
    VerificationCodeInvalid,
)
from services.rental.domain.card import CardState
from services.rental.domain.topup import (
    TopUpRequest,
    check_top_up,
    local_day_bounds,
    serial_number,
)
from services.rental.domain.topup_identity import (
    CODE_PURPOSE,
    IdentityMethod,
    Verification,
    check_document_note,
)
from services.rental.domain.topup_limits import limits_for
from services.rental.handlers.account_deps import AccountDeps
from services.rental.store import accounts as account_store
from services.rental.store import topups as store
from shared import metrics
from shared import verification as codes
from shared.contracts import NOTIFY_SMS_REQUESTED, SmsRequested
from shared.errors import DomainError
from shared.messaging.outbox import enqueue

TEMPLATE = "verification_code"
"""notify's code template: the SMS log's latest-code look-up (a customer who did not get
the SMS) finds top-up codes too."""


@dataclass(frozen=True)
class CodeSent:
    id: str
    phone: str
    expires_at: datetime
    sms_dedupe_key: str


async def _registered_user(conn: asyncpg.Connection, user_id: str) -> asyncpg.Record:
    user = await account_store.user(conn, user_id)
    if user is None:
        raise AccountNotFound(f"no registered user {user_id}", code="user_not_found")
    return user


async def send_code(deps: AccountDeps, *, user_id: str, actor: str) -> CodeSent:
    """Send the customer's registered phone a code (only its HMAC is kept here)."""
    async with deps.pool.acquire() as conn, conn.transaction():
        user = await _registered_user(conn, user_id)
        if not user["phone"]:
            raise NoPhoneOnFile("the customer has no phone on file: check an ID document")
        await store.lock_codes(conn, user_id)
        last = await store.latest_code(conn, user_id, CODE_PURPOSE)
        code_id = str(uuid.uuid4())
        code = codes.new_code()
        issued = codes.issue(
            code_id=code_id,
            phone=user["phone"],
            purpose=CODE_PURPOSE,
            code=code,
            key=deps.code_key,
            now=deps.clock(),
            policy=deps.code_policy,
            last_issued_at=last.issued_at if last is not None else None,
        )
        dedupe_key = f"rental-top-up-code:{code_id}"
        await store.insert_code(
            conn, user_id, issued, requested_by=actor, sms_dedupe_key=dedupe_key
        )
        minutes = int(deps.code_policy.ttl.total_seconds() // 60)
        await enqueue(
            conn,
            NOTIFY_SMS_REQUESTED,
            SmsRequested(
                phone=user["phone"],
                template_id=TEMPLATE,
                params={"code": code, "minutes": minutes},
                dedupe_key=dedupe_key,
                requested_by=actor,
            ),
            source=deps.source,
        )
        return CodeSent(code_id, user["phone"], issued.expires_at, dedupe_key)


async def verify_identity(
    deps: AccountDeps,
    *,
    user_id: str,
    method: IdentityMethod,
    code: str | None,
    document_last4: str | None,
    actor: str,
) -> Verification:
    """Record that the agent verified the customer; a wrong code uses an attempt (kept
    even though the answer is an error, so guessing is bounded)."""
    now = deps.clock()
    failure: codes.CheckResult | None = None
    async with deps.pool.acquire() as conn, conn.transaction():
        await _registered_user(conn, user_id)
        if method is IdentityMethod.SMS_CODE:
            await store.lock_codes(conn, user_id)
            latest = await store.latest_code(conn, user_id, CODE_PURPOSE)
            result = codes.check(latest, code or "", deps.code_key, now)
            if result.code is not None and result.code != latest:
                await store.save_code_check(conn, result.code)
            if not result.valid:
                failure = result
        else:
            check_document_note(method, document_last4)
        verification = Verification(
            id=str(uuid.uuid4()),
            user_id=user_id,
            method=method,
            verified_by=actor,
            verified_at=now,
            expires_at=now + deps.identity_ttl,
            used_at=None,
        )
        if failure is None:
            await store.insert_verification(conn, verification, document_last4)
    if failure is not None:
        raise VerificationCodeInvalid(
            f"the code is not right ({failure.reason}); {failure.attempts_left} attempts left"
        )
    return verification


async def top_up(
    deps: AccountDeps,
    request: TopUpRequest,
    *,
    verification_id: str,
    agent: str,
    idempotency_key: str | None,
) -> asyncpg.Record:
    """Check, charge the paying account, credit the balance, keep the receipt: one
    transaction under the account's lock. A refusal or a failed charge changes nothing."""
    try:
        receipt = await _top_up(deps, request, verification_id, agent, idempotency_key)
    except DomainError as exc:
        metrics.operation_finished("top_up", "failed", exc.code)
        raise
    metrics.operation_finished("top_up", "succeeded")
    return receipt


async def _top_up(
    deps: AccountDeps,
    request: TopUpRequest,
    verification_id: str,
    agent: str,
    idempotency_key: str | None,
) -> asyncpg.Record:
    async with deps.pool.acquire() as conn, conn.transaction():
        if idempotency_key is not None:
            prior = await store.by_idempotency_key(conn, idempotency_key)
            if prior is not None:
                return prior
        user = await _registered_user(conn, request.user_id)
        account = await account_store.lock(conn, request.user_id)
        now = deps.clock()
        verification = await store.verification_for_update(conn, verification_id)
        start, end = local_day_bounds(now, deps.tz)
        today = await store.day_usage(conn, request.user_id, start, end)
        checked = TopUpRequest(
            request.user_id,
            request.amount_cents,
            request.confirmed_amount_cents,
            verification,
            request.payment_method,
            request.payer_account,
        )
        check_top_up(
            checked,
            card_state=CardState(account["card_state"]),
            limits=limits_for(user["card_type"], deps.limits),
            today=today,
            now=now,
        )
        books = account_store.books_of(account)
        movement = ledger.top_up(books, request.amount_cents)
        # The charge id comes from the Idempotency-Key: a retry after a lost answer finds
        # the device's earlier success and takes no money twice.
        charge_id = f"top-up:{request.user_id}:{idempotency_key or uuid.uuid4()}"
        result = await deps.counter.charge(
            charge_id,
            payer_account=request.payer_account,
            method=request.payment_method.value,
            amount_cents=request.amount_cents,
        )
        if not result.charged:
            if result.failure == "payer_account_short":
                raise PayerAccountShort(f"the paying account is short: {result.detail}")
            raise DeviceFault(f"the payment device failed, nothing was charged: {result.detail}")
        serial = serial_number(now.astimezone(deps.tz).date(), await store.next_serial(conn))
        await account_store.record(
            conn,
            request.user_id,
            movement,
            reference=serial,
            actor=agent,
            reason=f"counter top-up ({request.payment_method.value})",
            at=now,
        )
        await store.use_verification(conn, verification_id, serial, now)
        return await store.insert_topup(
            conn,
            serial_no=serial,
            user_id=request.user_id,
            amount_cents=request.amount_cents,
            payment_method=request.payment_method.value,
            payer_account=request.payer_account,
            charge_id=charge_id,
            verification_id=verification_id,
            balance_before=books.balance_cents,
            balance_after=movement.after.balance_cents,
            agent=agent,
            idempotency_key=idempotency_key,
            at=now,
        )


async def receipt(deps: AccountDeps, serial_no: str) -> asyncpg.Record:
    row = await store.receipt(deps.pool, serial_no)
    if row is None:
        raise ReceiptNotFound(f"no top-up receipt {serial_no}")
    return row
