"""Short-lived bearer tokens: JWT, HS256, signed with the gateway's secret."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.gateway.errors import TokenExpired, Unauthorized
from shared.internal_auth import WeakSecret
from shared.settings import Settings

log = logging.getLogger(__name__)
ALGORITHM = "HS256"
ISSUER = "kefu-gateway"
MIN_SECRET_BYTES = 32
"""RFC 7518: an HS256 key at least as long as the hash."""


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    """Seconds until it expires."""


@dataclass(frozen=True)
class TokenClaims:
    username: str
    roles: frozenset[str]
    expires_at: int
    issued_at: datetime
    """To the millisecond (``iat`` has whole seconds): a sign-out ends tokens issued
    before it, not one issued in the same second after it."""


MAX_VERIFIED = 10_000
"""Tokens kept verified at most (more than the desks signed in at once); past it, none."""


class Tokens:
    def __init__(self, secret: str, ttl: timedelta, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._ttl = ttl
        self._clock = clock
        self._verified: dict[str, TokenClaims] = {}
        """An agent's browser sends one token with every request: its signature is checked
        once, its expiry on every request (who may still use it is the account's say)."""

    def issue(self, username: str, roles: frozenset[str], now: datetime) -> IssuedToken:
        import jwt  # at first use, not at start: it imports all of cryptography

        claims = {
            "iss": ISSUER,
            "sub": username,
            "roles": sorted(roles),
            "iat": int(now.timestamp()),
            "iat_ms": int(now.timestamp() * 1000),
            "exp": int((now + self._ttl).timestamp()),
            "jti": secrets.token_hex(8),
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return IssuedToken(token, int(self._ttl.total_seconds()))

    def verify(self, token: str) -> TokenClaims:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token)
            if len(self._verified) >= MAX_VERIFIED:
                self._verified.clear()
            self._verified[token] = claims
        if self._clock() >= claims.expires_at:  # as PyJWT judges "exp", without leeway
            self._verified.pop(token, None)
            raise TokenExpired("the token has expired; sign in again")
        return claims

    def _decode(self, token: str) -> TokenClaims:
        import jwt  # at first use, not at start: it imports all of cryptography

        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],  # never trust the token's own "alg"
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpired("the token has expired; sign in again") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("the token is not valid") from exc
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthorized("the token is not valid")
        issued_ms = claims.get("iat_ms")
        if not isinstance(issued_ms, int):
            issued_ms = int(claims["iat"]) * 1000
        issued_at = datetime.fromtimestamp(issued_ms / 1000, UTC)
        return TokenClaims(str(claims["sub"]), frozenset(roles), int(claims["exp"]), issued_at)


def token_secret(settings: Settings) -> str:
    """The configured secret; without one, a random one for this process only."""
    if settings.jwt_secret is not None and settings.jwt_secret.get_secret_value():
        secret = settings.jwt_secret.get_secret_value()
        if len(secret.encode()) < MIN_SECRET_BYTES:
            # a guessable key signs any token for anyone: the gateway does not start
            raise WeakSecret(f"KEFU_JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes")
        return secret
    log.warning(
        "KEFU_JWT_SECRET is not set: tokens are signed with a random secret and"
        " stop working when this process restarts"
    )
    return secrets.token_urlsafe(48)
