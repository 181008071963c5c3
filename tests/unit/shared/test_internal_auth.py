"""Only a call the gateway signed, for this service, method and path, within a minute."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from pydantic import SecretStr

from shared.internal_auth import (
    ALGORITHM,
    REUSE_SECONDS,
    TOKEN_TTL_SECONDS,
    CallRefused,
    InternalSigner,
    InternalVerifier,
    WeakSecret,
    internal_key,
)
from shared.settings import Settings

KEY = b"k" * 48


def signed(key: bytes = KEY, at: float | None = None, **call: str) -> str:
    args = {"service": "notify", "method": "GET", "path": "/sms/latest-code", **call}
    return InternalSigner(key, clock=lambda: time.time() if at is None else at).token(
        args["service"], args["method"], args["path"], "lead", frozenset({"duty_lead"})
    )


def verify(token: str | None, method: str = "GET", path: str = "/sms/latest-code") -> object:
    return InternalVerifier(KEY, "notify").verify(token, method, path)


def refusal(token: str | None, **where: str) -> str:
    with pytest.raises(CallRefused) as refused:
        verify(token, **where)
    assert refused.value.status == 401
    return refused.value.code


def test_a_token_the_gateway_signed_names_the_actor_and_roles() -> None:
    call = InternalVerifier(KEY, "notify").verify(signed(at=time.time()), "GET", "/sms/latest-code")
    assert (call.actor, call.roles) == ("lead", frozenset({"duty_lead"}))
    assert call.request_id


def test_no_token_is_refused() -> None:
    assert refusal(None) == "internal_auth_required"
    assert refusal("") == "internal_auth_required"


def test_a_token_signed_with_another_key_is_refused() -> None:
    assert refusal(signed(key=b"x" * 48)) == "internal_auth_required"


def test_a_token_for_another_service_is_refused() -> None:
    assert refusal(signed(service="voucher")) == "internal_auth_required"


def test_a_token_for_another_request_is_refused() -> None:
    assert refusal(signed(), method="POST") == "internal_auth_required"
    assert refusal(signed(), path="/sms") == "internal_auth_required"


def test_an_expired_token_is_refused() -> None:
    assert refusal(signed(at=time.time() - 120)) == "internal_token_expired"


def test_a_token_made_to_live_long_is_refused() -> None:
    now = int(time.time())
    claims = {
        "iss": "kefu-gateway",
        "aud": "notify",
        "sub": "lead",
        "roles": ["duty_lead"],
        "mth": "GET",
        "pth": "/sms/latest-code",
        "rid": "r",
        "iat": now,
        "exp": now + 3600,
    }
    assert refusal(jwt.encode(claims, KEY, algorithm=ALGORITHM)) == "internal_auth_required"


def test_an_unsigned_token_is_refused() -> None:
    forged = jwt.encode({"aud": "notify", "sub": "admin"}, key="", algorithm="none")
    assert refusal(forged) == "internal_auth_required"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_the_gateway_signs_once_per_actor_service_method_and_path_for_a_while() -> None:
    clock = Clock()
    signer = InternalSigner(KEY, clock=clock)
    lead = frozenset({"duty_lead"})
    first = signer.token("notify", "GET", "/sms", "lead", lead)
    assert signer.token("notify", "GET", "/sms", "lead", lead) == first
    others = {
        signer.token("voucher", "GET", "/sms", "lead", lead),
        signer.token("notify", "POST", "/sms", "lead", lead),
        signer.token("notify", "GET", "/sms/latest-code", "lead", lead),
        signer.token("notify", "GET", "/sms", "agent", lead),
        signer.token("notify", "GET", "/sms", "lead", frozenset({"agent"})),
        signer.token("notify", "GET", "/sms", None, frozenset()),
        signer.token("notify", "GET", "/sms", "lead", lead, request_id="one call"),
    }
    assert first not in others and len(others) == 7
    clock.now += REUSE_SECONDS
    renewed = signer.token("notify", "GET", "/sms", "lead", lead)
    assert renewed != first


def test_a_token_verified_once_is_still_checked_on_every_call() -> None:
    clock = Clock()
    verifier = InternalVerifier(KEY, "notify", clock=clock)
    token = signed(at=clock.now)
    assert verifier.verify(token, "GET", "/sms/latest-code").actor == "lead"
    assert verifier.verify(token, "GET", "/sms/latest-code").actor == "lead"
    with pytest.raises(CallRefused):
        verifier.verify(token, "POST", "/sms/latest-code")
    with pytest.raises(CallRefused):
        verifier.verify(token, "GET", "/sms")
    clock.now += TOKEN_TTL_SECONDS + 60
    with pytest.raises(CallRefused) as late:
        verifier.verify(token, "GET", "/sms/latest-code")
    assert late.value.code == "internal_token_expired"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for _ in range(2):  # a refused token is never kept as verified
        with pytest.raises(CallRefused):
            verifier.verify(forged, "GET", "/sms/latest-code")


def test_an_internal_key_under_32_bytes_stops_the_process(tmp_path: Path) -> None:
    with pytest.raises(WeakSecret):
        internal_key(Settings(home=tmp_path, internal_secret=SecretStr("short")))


def test_without_a_configured_key_one_is_generated_once_owner_only(tmp_path: Path) -> None:
    first = internal_key(Settings(home=tmp_path, internal_secret=None))
    assert first == internal_key(Settings(home=tmp_path, internal_secret=None))
    assert len(first) >= 32
    assert (tmp_path / "internal_secret").stat().st_mode & 0o777 == 0o600


def test_services_on_hosts_of_their_own_need_the_key_set(tmp_path: Path) -> None:
    spread = Settings(home=tmp_path, internal_secret=None, upstream_host="{service}.kefu.svc")
    with pytest.raises(WeakSecret):
        internal_key(spread)
    assert not (tmp_path / "internal_secret").exists()
