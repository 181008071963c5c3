"""Verification codes: the pure rules live in :mod:`shared.verification`, one place for every
service that sends a code (the rental service checks identity before a top-up with them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.verification import (
    CODE_LENGTH,
    PHONE,
    PURPOSE,
    CheckFailure,
    CheckResult,
    CodePolicy,
    CodeState,
    VerificationCode,
    check,
    check_phone,
    check_purpose,
    code_hash,
    issue,
    new_code,
)


@dataclass(frozen=True)
class IssuedCode:
    """A code as issued here, as its requester is answered (never the code itself)."""

    id: str
    phone: str
    purpose: str
    issued_at: datetime
    expires_at: datetime
    attempts_allowed: int
    sms_dedupe_key: str
    """The SMS log entry of this code has this key."""


__all__ = [
    "CODE_LENGTH",
    "PHONE",
    "PURPOSE",
    "CheckFailure",
    "CheckResult",
    "CodePolicy",
    "CodeState",
    "IssuedCode",
    "VerificationCode",
    "check",
    "check_phone",
    "check_purpose",
    "code_hash",
    "issue",
    "new_code",
]
