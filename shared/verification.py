"""Verification codes, the pure rules every service that sends one shares.

Generated here, stored only as a keyed hash, expiring, few attempts.

A code is checked against the latest one issued for its phone and purpose; issuing
a new one retires the older. Each wrong guess uses an attempt; a right one uses the
code up. Six digits are guessable at scale, so the attempt limit is what protects
them; the HMAC (with a key outside the database and a salt per code) keeps a copy of
the table from revealing live codes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from shared.errors import DomainError, InvalidInput
from shared.settings import PlatformSettings

CODE_LENGTH = 6
PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
PHONE = re.compile(r"^\+?[0-9]{6,20}$")


class CodeRequestedTooSoon(DomainError):
    status = 429
    code = "code_requested_too_soon"


@dataclass(frozen=True)
class CodePolicy:
    ttl: timedelta
    max_attempts: int
    resend_after: timedelta

    @classmethod
    def of(cls, settings: PlatformSettings) -> CodePolicy:
        """The platform's ``KEFU_VERIFICATION_CODE_*`` settings: one policy for every
        service that issues codes (notify, rental's top-ups)."""
        return cls(
            ttl=timedelta(minutes=settings.verification_code_ttl_minutes),
            max_attempts=settings.verification_code_max_attempts,
            resend_after=timedelta(seconds=settings.verification_code_resend_seconds),
        )


class CodeState(StrEnum):
    ACTIVE = "active"
    USED = "used"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class VerificationCode:
    id: str
    phone: str
    purpose: str
    salt: bytes
    code_hash: bytes
    issued_at: datetime
    expires_at: datetime
    attempts_left: int
    used_at: datetime | None = None
    superseded: bool = False

    def state(self, now: datetime) -> CodeState:
        if self.used_at is not None:
            return CodeState.USED
        if self.superseded:
            return CodeState.SUPERSEDED
        if now >= self.expires_at:
            return CodeState.EXPIRED
        if self.attempts_left <= 0:
            return CodeState.EXHAUSTED
        return CodeState.ACTIVE


CODE_COLUMNS = (
    "id, phone, purpose, salt, code_hash, issued_at, expires_at, attempts_left, used_at, superseded"
)
"""The columns a stored code is read back from: every service's code table has them."""


def code_from_row(row: Mapping[str, Any]) -> VerificationCode:
    """A stored code as read from a database row of :data:`CODE_COLUMNS`."""
    return VerificationCode(
        id=str(row["id"]),
        phone=row["phone"],
        purpose=row["purpose"],
        salt=bytes(row["salt"]),
        code_hash=bytes(row["code_hash"]),
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        attempts_left=row["attempts_left"],
        used_at=row["used_at"],
        superseded=row["superseded"],
    )


CheckFailure = Literal["mismatch", "expired", "attempts_exhausted", "used", "no_code"]


@dataclass(frozen=True)
class CheckResult:
    valid: bool
    reason: CheckFailure | None
    attempts_left: int
    code: VerificationCode | None
    """The code after the check (to be saved), None when there was none."""


def check_phone(phone: str) -> str:
    if not PHONE.match(phone):
        raise InvalidInput("a phone number is 6 to 20 digits", code="invalid_phone")
    return phone


def check_purpose(purpose: str) -> str:
    if not PURPOSE.match(purpose):
        raise InvalidInput(
            "a purpose is 1 to 32 lower-case letters, digits or '_'", code="invalid_purpose"
        )
    return purpose


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(length))


def code_hash(key: bytes, salt: bytes, phone: str, purpose: str, code: str) -> bytes:
    message = b"\x00".join((salt, phone.encode(), purpose.encode(), code.encode()))
    return hmac.new(key, message, hashlib.sha256).digest()


def issue(
    *,
    code_id: str,
    phone: str,
    purpose: str,
    code: str,
    key: bytes,
    now: datetime,
    policy: CodePolicy,
    last_issued_at: datetime | None,
) -> VerificationCode:
    """A new code for ``phone``; refused if the last one for this purpose was just sent."""
    check_phone(phone)
    check_purpose(purpose)
    if last_issued_at is not None and now - last_issued_at < policy.resend_after:
        wait = policy.resend_after - (now - last_issued_at)
        raise CodeRequestedTooSoon(
            f"a code was sent to this phone {int((now - last_issued_at).total_seconds())} s ago;"
            f" ask again in {int(wait.total_seconds()) + 1} s"
        )
    salt = secrets.token_bytes(16)
    return VerificationCode(
        id=code_id,
        phone=phone,
        purpose=purpose,
        salt=salt,
        code_hash=code_hash(key, salt, phone, purpose, code),
        issued_at=now,
        expires_at=now + policy.ttl,
        attempts_left=policy.max_attempts,
    )


def check(latest: VerificationCode | None, given: str, key: bytes, now: datetime) -> CheckResult:
    """The verdict on ``given`` against the latest code, and the code as it is afterwards."""
    if latest is None:
        return CheckResult(False, "no_code", 0, None)
    state = latest.state(now)
    if state is CodeState.USED:
        return CheckResult(False, "used", 0, latest)
    if state in (CodeState.EXPIRED, CodeState.SUPERSEDED):
        return CheckResult(False, "expired", 0, latest)
    if state is CodeState.EXHAUSTED:
        return CheckResult(False, "attempts_exhausted", 0, latest)
    expected = code_hash(key, latest.salt, latest.phone, latest.purpose, given.strip())
    if hmac.compare_digest(expected, latest.code_hash):
        return CheckResult(True, None, latest.attempts_left, replace(latest, used_at=now))
    left = latest.attempts_left - 1
    after = replace(latest, attempts_left=left)
    return CheckResult(False, "mismatch" if left > 0 else "attempts_exhausted", left, after)
