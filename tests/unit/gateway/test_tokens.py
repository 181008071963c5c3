"""Bearer tokens: issued, verified, expired, forged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pydantic import SecretStr

from services.gateway.errors import TokenExpired, Unauthorized
from services.gateway.tokens import ALGORITHM, Tokens, token_secret
from shared.internal_auth import WeakSecret
from shared.settings import Settings

SECRET = "s" * 48


def test_a_token_carries_the_user_and_roles() -> None:
    tokens = Tokens(SECRET, timedelta(minutes=30))
    issued = tokens.issue("agent", frozenset({"agent", "duty_lead"}), datetime.now(UTC))
    assert issued.expires_in == 1800
    claims = tokens.verify(issued.access_token)
    assert claims.username == "agent"
    assert claims.roles == frozenset({"agent", "duty_lead"})


def test_an_expired_token_says_so() -> None:
    tokens = Tokens(SECRET, timedelta(minutes=30))
    old = tokens.issue("agent", frozenset({"agent"}), datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(TokenExpired) as caught:
        tokens.verify(old.access_token)
    assert (caught.value.status, caught.value.code) == (401, "token_expired")


def test_a_token_verified_once_still_expires_on_time() -> None:
    now = [datetime.now(UTC).timestamp()]
    tokens = Tokens(SECRET, timedelta(minutes=30), clock=lambda: now[0])
    token = tokens.issue("agent", frozenset({"agent"}), datetime.now(UTC)).access_token
    assert tokens.verify(token).username == "agent"
    now[0] += 29 * 60
    assert tokens.verify(token).username == "agent"
    now[0] += 61
    with pytest.raises(TokenExpired):
        tokens.verify(token)
    with pytest.raises(TokenExpired):
        tokens.verify(token)


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: (
            Tokens("x" * 48, timedelta(minutes=5)).issue("agent", frozenset(), t).access_token
        ),
        lambda t: jwt.encode({"sub": "admin", "exp": 9_999_999_999}, SECRET, algorithm=ALGORITHM),
        lambda t: jwt.encode(
            {"iss": "kefu-gateway", "sub": "admin", "iat": 1, "exp": 9_999_999_999},
            key="",
            algorithm="none",
        ),
        lambda t: "not-a-token",
    ],
    ids=["other-secret", "no-issuer", "alg-none", "garbage"],
)
def test_forged_tokens_are_refused(forge) -> None:
    tokens = Tokens(SECRET, timedelta(minutes=30))
    forged = forge(datetime.now(UTC))
    for _ in range(2):  # a refused token is never kept as verified
        with pytest.raises(Unauthorized) as caught:
            tokens.verify(forged)
        assert caught.value.code == "unauthorized"


def test_a_tampered_token_is_refused() -> None:
    tokens = Tokens(SECRET, timedelta(minutes=30))
    token = tokens.issue("agent", frozenset({"agent"}), datetime.now(UTC)).access_token
    head, _body, sig = token.split(".")
    admin = jwt.encode(
        {**jwt.decode(token, options={"verify_signature": False}), "roles": ["admin"]},
        "other" * 10,
        algorithm=ALGORITHM,
    ).split(".")[1]
    with pytest.raises(Unauthorized):
        tokens.verify(f"{head}.{admin}.{sig}")


def test_without_a_configured_secret_a_random_one_is_used_and_logged(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        one = token_secret(Settings())
        two = token_secret(Settings())
    assert one != two and len(one) >= 32
    assert "KEFU_JWT_SECRET is not set" in caplog.text
    assert token_secret(Settings(jwt_secret=SecretStr(SECRET))) == SECRET


def test_a_configured_secret_under_32_bytes_stops_the_gateway() -> None:
    with pytest.raises(WeakSecret):
        token_secret(Settings(jwt_secret=SecretStr("change-me")))
