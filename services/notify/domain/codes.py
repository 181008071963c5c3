"""Verification codes: the pure rules live in :mod:`shared.verification`, one place for every
service that sends a code (the rental service checks identity before a top-up with them)."""

from __future__ import annotations

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

__all__ = [
    "CODE_LENGTH",
    "PHONE",
    "PURPOSE",
    "CheckFailure",
    "CheckResult",
    "CodePolicy",
    "CodeState",
    "VerificationCode",
    "check",
    "check_phone",
    "check_purpose",
    "code_hash",
    "issue",
    "new_code",
]
