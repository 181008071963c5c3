"""Verification codes: issue one (and ask for its SMS), check one."""

from __future__ import annotations

import uuid

from services.notify.deps import Deps
from services.notify.domain import codes as rules
from services.notify.domain.codes import IssuedCode
from services.notify.store import codes as store
from shared import idempotency
from shared.contracts import NOTIFY_SMS_REQUESTED
from shared.idempotency import Command
from shared.sealing import code_sms


def sms_dedupe_key(code_id: str) -> str:
    return f"verification-code:{code_id}"


async def request_code(
    deps: Deps, *, phone: str, purpose: str, actor: str, idempotency_key: str | None
) -> IssuedCode:
    """Issue a code for ``phone`` and leave its SMS request in the outbox, in one transaction.

    The code travels sealed for this service's SMS sender (``shared/sealing.py``) and stays
    sealed in the SMS log it becomes; here only its HMAC is kept.
    The same Idempotency-Key answers with the same code; with another phone or purpose
    it is refused (422 idempotency_key_reused) and nothing is sent.
    """
    rules.check_phone(phone)
    rules.check_purpose(purpose)
    code_id = str(uuid.uuid4())
    async with deps.unit() as uow:
        conn = uow.conn
        if idempotency_key is not None:
            command = Command("verification_code", purpose, {"phone": phone})
            prior = await idempotency.claim(conn, idempotency_key, command, code_id)
            if prior is not None:
                first = await store.get(conn, prior.subject)
                assert first is not None  # codes are never deleted
                return first
        await store.lock_phone(conn, phone, purpose)
        last = await store.latest(conn, phone, purpose)
        code = rules.new_code()
        policy = deps.code_policy
        issued = rules.issue(
            code_id=code_id,
            phone=phone,
            purpose=purpose,
            code=code,
            key=deps.code_key,
            now=uow.now(),
            policy=policy,
            last_issued_at=last.issued_at if last is not None else None,
        )
        await store.supersede_older(conn, phone, purpose)
        dedupe_key = sms_dedupe_key(code_id)
        stored = await store.insert(
            conn,
            issued,
            requested_by=actor,
            sms_dedupe_key=dedupe_key,
        )
        minutes = int(policy.ttl.total_seconds() // 60)
        sms = code_sms(
            phone=phone,
            code=code,
            minutes=minutes,
            dedupe_key=dedupe_key,
            requested_by=actor,
            to=deps.seal_key.public_key(),
        )
        await uow.publish(NOTIFY_SMS_REQUESTED, sms)
        return stored


async def check_code(deps: Deps, *, phone: str, purpose: str, code: str) -> rules.CheckResult:
    """Check ``code`` against the latest one sent; a wrong guess uses an attempt."""
    rules.check_phone(phone)
    rules.check_purpose(purpose)
    async with deps.unit() as uow:
        await store.lock_phone(uow.conn, phone, purpose)
        latest = await store.latest(uow.conn, phone, purpose)
        result = rules.check(latest, code, deps.code_key, uow.now())
        if result.code is not None and result.code != latest:
            await store.save_check(uow.conn, result.code)
        return result
