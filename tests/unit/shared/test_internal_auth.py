"""Only a call the gateway signed, for this service, method and path, within a minute."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
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
    checked_claims,
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


def _claims(now: int, **changed: object) -> dict[str, object]:
    """What the gateway signs for a call to notify's ``GET /sms/latest-code``."""
    return {
        "iss": "kefu-gateway",
        "aud": "notify",
        "sub": "lead",
        "roles": ["duty_lead"],
        "mth": "GET",
        "pth": "/sms/latest-code",
        "rid": "r",
        "iat": now,
        "exp": now + 60,
        **changed,
    }


def test_a_token_made_to_live_long_is_refused() -> None:
    now = int(time.time())
    claims = _claims(now, exp=now + 3600)
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


def _pyjwt_answer(token: str, service: str = "voucher") -> tuple[str, str] | dict[str, object]:
    """What the service answered when PyJWT checked its tokens (the reference)."""
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            KEY,
            algorithms=[ALGORITHM],
            audience=service,
            issuer="kefu-gateway",
            leeway=5,
            options={"require": ["exp", "iat", "aud", "iss", "mth", "pth", "rid"]},
        )
    except jwt.ExpiredSignatureError:
        return ("internal_token_expired", "the gateway token has expired")
    except jwt.InvalidAudienceError:
        return ("internal_auth_required", "the gateway token is for another service")
    except jwt.InvalidTokenError:
        return ("internal_auth_required", "the gateway token is not valid")
    return claims


def _our_answer(token: str, service: str = "voucher") -> tuple[str, str] | dict[str, object]:
    try:
        return checked_claims(token, KEY, service)
    except CallRefused as refused:
        return (refused.code, refused.message)


def _forged(header: object, claims: object, key: bytes = KEY) -> str:
    def part(value: object) -> bytes:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    signing_input = part(header) + b"." + part(claims)
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


def test_the_token_check_answers_as_pyjwt_did_or_refuses_more() -> None:
    """Each token the gateway could sign, or anyone could forge, is accepted exactly when
    PyJWT accepted it (with the same claims), refused with PyJWT's answer, or (for forms the
    gateway never makes: a time that is not an integer, another header) refused where PyJWT
    would not have."""
    now = int(time.time())
    good = _claims(now, aud="voucher", mth="POST", pth="/orders/M1/reversal")
    head = {"alg": "HS256", "typ": "JWT"}
    same = [
        InternalSigner(KEY).token("voucher", "POST", "/orders/M1/reversal", "lead", frozenset()),
        InternalSigner(KEY).token("voucher", "GET", "/vouchers", None, frozenset({"agent"})),
        jwt.encode(good, KEY, algorithm=ALGORITHM),
        jwt.encode(good, b"x" * 48, algorithm=ALGORITHM),  # another key
        _forged({"alg": "HS512", "typ": "JWT"}, good),
        jwt.encode(good, key="", algorithm="none"),
        jwt.encode({**good, "aud": "points"}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "aud": ["points", "voucher"]}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "aud": ["points"]}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "aud": [5]}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "aud": ""}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "aud": {"a": 1}}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "iss": "someone"}, KEY, algorithm=ALGORITHM),
        _forged(head, {**good, "iss": 5}),
        jwt.encode({**good, "iat": now - 120, "exp": now - 60}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "exp": now - 3}, KEY, algorithm=ALGORITHM),  # within the leeway
        jwt.encode({**good, "iat": now + 60, "exp": now + 90}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "nbf": now + 60}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "nbf": now - 60}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "exp": now - 60, "aud": "points"}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "exp": now - 60, "iss": "x"}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "sub": 5}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "jti": 5}, KEY, algorithm=ALGORITHM),
        _forged(head, [good]),
        _forged(head, b"not json"),
        _forged(["HS256"], good),
        _forged({"typ": "JWT"}, good),
        "",
        "a.b",
        "a.b.c.d",
        "é.é.é",
    ]
    same += [
        jwt.encode({k: v for k, v in good.items() if k != claim}, KEY, algorithm=ALGORITHM)
        for claim in ("exp", "iat", "aud", "iss", "mth", "pth", "rid")
    ]
    token = same[2]
    same += [token[:-1] + ("A" if token[-1] != "A" else "B"), token + "!", "!" + token]
    for made in same:
        assert _our_answer(made) == _pyjwt_answer(made), made
    assert isinstance(_our_answer(same[0]), dict) and isinstance(_our_answer(same[7]), dict)

    stricter = [
        jwt.encode({**good, "iat": float(now)}, KEY, algorithm=ALGORITHM),
        jwt.encode({**good, "exp": str(now + 60)}, KEY, algorithm=ALGORITHM),
        jwt.encode(good, KEY, algorithm=ALGORITHM, headers={"kid": "k1"}),
    ]
    for made in stricter:
        assert isinstance(_pyjwt_answer(made), dict), made
        assert _our_answer(made) == ("internal_auth_required", "the gateway token is not valid")
