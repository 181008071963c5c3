"""Counter top-ups (线下储值): send an SMS code, verify identity, top up, look up receipts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.domain.card import CardState
from services.rental.accounts.domain.errors import (
    AccountNotFound,
    NoPhoneOnFile,
    ReceiptNotFound,
    TopUpInProgress,
    VerificationCodeInvalid,
)
from services.rental.accounts.domain.stored import AccountHolder, Charge, Receipt
from services.rental.accounts.domain.topup import TopUpRequest, check_top_up, local_day_bounds
from services.rental.accounts.domain.topup_charge import ChargeStatus, Retry, charge_id, on_retry
from services.rental.accounts.domain.topup_identity import (
    CODE_PURPOSE,
    IdentityMethod,
    Verification,
    check_document_note,
)
from services.rental.accounts.domain.topup_limits import limits_for
from services.rental.accounts.handlers import counter_charges
from services.rental.accounts.store import accounts as account_store
from services.rental.accounts.store import topup_charges as charges
from services.rental.accounts.store import topups as store
from services.rental.domain.permissions import role_refusal
from shared import idempotency, metrics
from shared import verification as codes
from shared.contracts import NOTIFY_SMS_REQUESTED
from shared.errors import DomainError
from shared.idempotency import Command
from shared.sealing import code_sms


@dataclass(frozen=True)
class CodeSent:
    id: str
    phone: str
    expires_at: datetime
    sms_dedupe_key: str


async def _registered_user(conn: asyncpg.Connection, user_id: str) -> AccountHolder:
    user = await account_store.user(conn, user_id)
    if user is None:
        raise AccountNotFound(f"no registered user {user_id}", code="user_not_found")
    return user


def _code_sms_key(code_id: str) -> str:
    return f"rental-top-up-code:{code_id}"


async def send_code(
    deps: AccountDeps, *, user_id: str, actor: str, idempotency_key: str | None = None
) -> CodeSent:
    """Send the customer's registered phone a code (only its HMAC is kept here; it travels
    sealed for notify, whose latest-code look-up finds top-up codes too). The same
    Idempotency-Key answers the code sent first, and sends nothing again."""
    code_id = str(uuid.uuid4())
    async with deps.unit() as uow:
        conn = uow.conn
        if idempotency_key is not None:
            command = Command("top_up_code", user_id)
            prior = await idempotency.claim(conn, idempotency_key, command, code_id)
            if prior is not None:
                first = await store.code_by_id(conn, prior.subject)
                assert first is not None  # codes are never deleted
                return CodeSent(first.id, first.phone, first.expires_at, _code_sms_key(first.id))
        user = await _registered_user(conn, user_id)
        if not user.phone:
            raise NoPhoneOnFile("the customer has no phone on file: check an ID document")
        await store.lock_codes(conn, user_id)
        last = await store.latest_code(conn, user_id, CODE_PURPOSE)
        code = codes.new_code()
        issued = codes.issue(
            code_id=code_id,
            phone=user.phone,
            purpose=CODE_PURPOSE,
            code=code,
            key=deps.code_key,
            now=uow.now(),
            policy=deps.code_policy,
            last_issued_at=last.issued_at if last is not None else None,
        )
        dedupe_key = _code_sms_key(code_id)
        await store.insert_code(
            conn, user_id, issued, requested_by=actor, sms_dedupe_key=dedupe_key
        )
        minutes = int(deps.code_policy.ttl.total_seconds() // 60)
        sms = code_sms(
            phone=user.phone,
            code=code,
            minutes=minutes,
            dedupe_key=dedupe_key,
            requested_by=actor,
            to=deps.seal_public_key,
        )
        await uow.publish(NOTIFY_SMS_REQUESTED, sms)
        return CodeSent(code_id, user.phone, issued.expires_at, dedupe_key)


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
    failure: codes.CheckResult | None = None
    async with deps.unit() as uow:
        conn, now = uow.conn, uow.now()
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
    roles: frozenset[str],
    idempotency_key: str | None,
) -> Receipt:
    """Check and record the top-up pending (under the account's lock), charge the paying
    account outside any transaction, then record the outcome: the receipt, or the refusal
    raised. A refusal changes nothing on the account."""
    denied = role_refusal("top_up", roles)  # the card's state is checked with the rest
    if denied is not None:
        raise denied
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
) -> Receipt:
    pending = await reserve(deps, request, verification_id, agent, idempotency_key)
    if pending.status != ChargeStatus.PENDING:
        return await counter_charges.outcome(deps.pool, pending)
    return await counter_charges.drive(deps, pending)


async def reserve(
    deps: AccountDeps,
    request: TopUpRequest,
    verification_id: str,
    agent: str,
    idempotency_key: str | None,
) -> Charge:
    """Transaction 1: every rule checked under the account's lock, the charge recorded
    pending (it counts toward the day's limits at once, so top-ups at the same time
    cannot pass them together) and the verification spent on it. Answers the charge row
    to drive, or one already charged."""
    async with deps.unit() as uow:
        conn, now = uow.conn, uow.now()
        lease_until = now + deps.topup_lease
        user = await _registered_user(conn, request.user_id)
        account = await account_store.lock(conn, request.user_id)
        prior = None
        if idempotency_key is not None:
            await _claim(conn, request, idempotency_key)
            prior = await charges.by_idempotency_key(conn, idempotency_key, lock=True)
        if prior is not None:
            retry = on_retry(ChargeStatus(prior.status), prior.lease_until, now)
            if retry is Retry.RECEIPT:
                return prior
            if retry is Retry.WAIT:
                raise TopUpInProgress("this top-up is at the payment device: ask again shortly")
            if retry is Retry.TAKE_OVER:  # its driver died: checked already, ask the device
                return await charges.take_over(conn, prior.charge_id, lease_until)
        verification = await store.verification_for_update(conn, verification_id)
        start, end = local_day_bounds(now, deps.tz)
        check_top_up(
            replace(request, verification=verification),
            card_state=CardState(account.card_state),
            limits=limits_for(user.card_type, deps.limits),
            today=await charges.day_usage(conn, request.user_id, start, end),
            now=now,
        )
        attempt = charges.Attempt(
            amount_cents=request.amount_cents,
            payment_method=request.payment_method.value,
            payer_account=request.payer_account,
            verification_id=verification_id,
            agent=agent,
            requested_at=now,
            lease_until=lease_until,
        )
        if prior is not None:  # refused before, nothing taken: charge again, same charge id
            charge = await charges.restart(conn, prior.charge_id, attempt)
        else:
            charge = await charges.insert_pending(
                conn,
                charge_id=charge_id(request.user_id, idempotency_key or str(uuid.uuid4())),
                user_id=request.user_id,
                idempotency_key=idempotency_key,
                attempt=attempt,
            )
        await store.use_verification(conn, verification_id, charge.charge_id, now)
        return charge


async def _claim(conn: asyncpg.Connection, request: TopUpRequest, key: str) -> None:
    """The key bound to this top-up (422 idempotency_key_reused for another). Where the
    first one got to is the charge's state, not the key's: the charge id is the payment
    device's own idempotency key, so the money moves once whatever the key path does.
    The identity check is not part of what is asked: a retry may carry a fresh one."""
    asked = {
        "amount_cents": request.amount_cents,
        "payment_method": request.payment_method.value,
        "payer_account": request.payer_account,
    }
    command = Command("top_up", request.user_id, asked)
    await idempotency.claim(conn, key, command, charge_id(request.user_id, key))


async def receipt(deps: AccountDeps, serial_no: str) -> Receipt:
    row = await store.receipt(deps.pool, serial_no)
    if row is None:
        raise ReceiptNotFound(f"no top-up receipt {serial_no}")
    return row
