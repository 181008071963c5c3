"""Verification codes: hashed, expiring, few attempts, single use, not too often."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.notify.domain.codes import (
    CodePolicy,
    CodeState,
    VerificationCode,
    check,
    issue,
    new_code,
)
from services.notify.domain.errors import CodeRequestedTooSoon
from shared.errors import InvalidInput

KEY = b"k" * 32
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = CodePolicy(ttl=timedelta(minutes=5), max_attempts=3, resend_after=timedelta(seconds=60))


def issued(code: str = "123456", **changes: object) -> VerificationCode:
    made = issue(
        code_id="c1",
        phone="13800138000",
        purpose="login",
        code=code,
        key=KEY,
        now=NOW,
        policy=POLICY,
        last_issued_at=None,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def test_new_codes_are_six_digits_and_vary() -> None:
    codes = {new_code() for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 40


def test_a_code_is_stored_only_as_a_salted_keyed_hash() -> None:
    a, b = issued(), issued()
    assert b"123456" not in a.code_hash and len(a.code_hash) == 32
    assert a.salt != b.salt and a.code_hash != b.code_hash
    assert a.expires_at == NOW + timedelta(minutes=5) and a.attempts_left == 3


def test_the_right_code_is_valid_once() -> None:
    result = check(issued(), "123456", KEY, NOW + timedelta(minutes=1))
    assert result.valid and result.reason is None
    assert result.code is not None and result.code.used_at is not None
    again = check(result.code, "123456", KEY, NOW + timedelta(minutes=2))
    assert not again.valid and again.reason == "used"


def test_wrong_guesses_use_attempts_then_even_the_right_code_fails() -> None:
    code = issued()
    reasons = []
    for _ in range(3):
        result = check(code, "000000", KEY, NOW)
        assert result.code is not None
        code = result.code
        reasons.append((result.reason, result.attempts_left))
    assert reasons == [("mismatch", 2), ("mismatch", 1), ("attempts_exhausted", 0)]
    assert code.state(NOW) is CodeState.EXHAUSTED
    final = check(code, "123456", KEY, NOW)
    assert not final.valid and final.reason == "attempts_exhausted"


def test_an_expired_or_superseded_code_fails() -> None:
    assert check(issued(), "123456", KEY, NOW + timedelta(minutes=5)).reason == "expired"
    assert check(issued(superseded=True), "123456", KEY, NOW).reason == "expired"


def test_no_code_and_a_code_under_another_key() -> None:
    assert check(None, "123456", KEY, NOW).reason == "no_code"
    assert check(issued(), "123456", b"other", NOW).reason == "mismatch"


def test_a_new_code_only_after_the_resend_interval() -> None:
    with pytest.raises(CodeRequestedTooSoon) as caught:
        issue(
            code_id="c2",
            phone="13800138000",
            purpose="login",
            code="1",
            key=KEY,
            now=NOW,
            policy=POLICY,
            last_issued_at=NOW - timedelta(seconds=30),
        )
    assert caught.value.status == 429 and caught.value.code == "code_requested_too_soon"
    issue(
        code_id="c3",
        phone="13800138000",
        purpose="login",
        code="1",
        key=KEY,
        now=NOW,
        policy=POLICY,
        last_issued_at=NOW - timedelta(seconds=60),
    )


@pytest.mark.parametrize(("phone", "purpose"), [("12ab", "login"), ("13800138000", "Top Up")])
def test_phone_and_purpose_are_checked(phone: str, purpose: str) -> None:
    with pytest.raises(InvalidInput):
        issue(
            code_id="c",
            phone=phone,
            purpose=purpose,
            code="1",
            key=KEY,
            now=NOW,
            policy=POLICY,
            last_issued_at=None,
        )
