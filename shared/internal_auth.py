"""Service-to-service authentication: a service believes only a call the gateway signed.

The gateway sends each upstream call a short-lived token (JWT, HS256) in
``X-Kefu-Internal-Token``, signed with the internal key (``KEFU_INTERNAL_SECRET``,
never the users' JWT key). It names the service it is for (``aud``), the acting
agent and their roles, the method and path it was made for, a random id, and
expires within a minute. Every service refuses any other call with 401 before a
route, a body parser or the database sees it (:class:`InternalCallsOnly`), and
takes the actor and roles from the token alone: headers such as ``X-Kefu-Actor``
are never read. ``/health`` stays open for the supervisor and the kubelet; the metrics
are not on this port at all (``shared.http.metrics_listener``).

Signing and checking a JWT costs more than the rest of a proxied search: the gateway
sends one token with its calls of one actor to one service, method and path for the
token's first ``REUSE_SECONDS``, and a service keeps what it verified of a token (the
signature is checked once) while it lives; method, path and expiry are checked on
every call.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.devstack.secrets import INTERNAL_SECRET_FILE, persisted_secret
from shared.errors import DomainError
from shared.observability.http_server import ACTOR_SCOPE_KEY
from shared.settings import Settings

log = logging.getLogger(__name__)

INTERNAL_TOKEN_HEADER = "X-Kefu-Internal-Token"
ISSUER = "kefu-gateway"
ALGORITHM = "HS256"
TOKEN_TTL_SECONDS = 60
CLOCK_LEEWAY_SECONDS = 5
MIN_KEY_BYTES = 32
"""RFC 7518: an HS256 key at least as long as the hash."""
REUSE_SECONDS = 20
"""How long the gateway sends one signed token with calls to the same service, method and
path for the same actor: the rest of its life covers the call's way there."""
MAX_REUSED = 4096
"""Tokens kept signed (gateway) or verified (service) at most; past it, all are dropped."""
OPEN_PATHS = frozenset({"/health"})
_SCOPE_KEY = "kefu.internal_call"


class WeakSecret(RuntimeError):
    """A signing key too short to trust: the process stops rather than run with it."""


class CallRefused(DomainError):
    status = 401
    code = "internal_auth_required"


@dataclass(frozen=True)
class InternalCall:
    """What the gateway vouches for: who acts (None on a public route) with which roles."""

    actor: str | None
    roles: frozenset[str]
    request_id: str


def internal_key(settings: Settings) -> bytes:
    """The internal key: from settings, else generated once under ``home`` (the gateway and
    the services of one machine share it; several machines must set ``KEFU_INTERNAL_SECRET``)."""
    if settings.internal_secret is not None and settings.internal_secret.get_secret_value():
        value = settings.internal_secret.get_secret_value()
    elif settings.upstream_host:
        # each host would make its own key and every call would be refused: say so at once
        raise WeakSecret(
            "KEFU_INTERNAL_SECRET is not set, and the services run on hosts of their own"
            " (KEFU_UPSTREAM_HOST): set the same secret on every one"
        )
    else:
        value = persisted_secret(settings.home / INTERNAL_SECRET_FILE, 48)
    key = value.encode()
    if len(key) < MIN_KEY_BYTES:
        raise WeakSecret(f"KEFU_INTERNAL_SECRET is shorter than {MIN_KEY_BYTES} bytes")
    return key


_MadeFor = tuple[str, str, str, str | None, frozenset[str]]
"""What a token is made for: service, method, path, actor, roles."""


class InternalSigner:
    """The gateway's side: a token for calls to one service, method and path by one actor.

    A token is signed once and sent with every such call for the first
    ``REUSE_SECONDS`` of its life (HMAC-SHA256 over a JWT costs more than the rest of the
    proxy's own work): it vouches for nothing more than each call would have had signed
    for it, and it still expires within ``TOKEN_TTL_SECONDS``.
    """

    def __init__(self, key: bytes, clock: Any = time.time) -> None:
        self._key = key
        self._clock = clock
        self._signed: dict[_MadeFor, tuple[str, int]] = {}

    def token(
        self,
        service: str,
        method: str,
        path: str,
        actor: str | None,
        roles: frozenset[str],
        request_id: str | None = None,
    ) -> str:
        """``path`` decoded, without its query (what the service sees as its path).
        ``request_id``: a token of its own for this one call, never reused."""
        now = int(self._clock())
        key = (service, method.upper(), path, actor, roles)
        if request_id is not None:
            return self._sign(key, request_id, now)
        signed = self._signed.get(key)
        if signed is not None and now - signed[1] < REUSE_SECONDS:
            return signed[0]
        token = self._sign(key, secrets.token_hex(8), now)
        if len(self._signed) >= MAX_REUSED:
            self._signed.clear()
        self._signed[key] = (token, now)
        return token

    def _sign(self, made_for: _MadeFor, request_id: str, now: int) -> str:
        import jwt  # at first use, not at start: it imports all of cryptography

        service, method, path, actor, roles = made_for
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": service,
            "roles": sorted(roles),
            "mth": method,
            "pth": path,
            "rid": request_id,
            "iat": now,
            "exp": now + TOKEN_TTL_SECONDS,
        }
        if actor:
            claims["sub"] = actor
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)


class InternalVerifier:
    """A service's side: is this call the gateway's, made for this service, method and path?"""

    def __init__(self, key: bytes, service: str, clock: Any = time.time) -> None:
        self._key = key
        self.service = service
        self._clock = clock
        self._verified: dict[str, tuple[str, str, int, InternalCall]] = {}
        """Tokens already verified: their method, path, expiry and call. The gateway sends
        one token with many calls (:class:`InternalSigner`), so most are."""

    def verify(self, token: str | None, method: str, path: str) -> InternalCall:
        if not token:
            raise CallRefused("internal call without a gateway token")
        verified = self._verified.get(token)
        if verified is None:
            verified = self._decode(token)
            if len(self._verified) >= MAX_REUSED:
                self._verified.clear()
            self._verified[token] = verified
        made_for_method, made_for_path, expires, call = verified
        if self._clock() > expires + CLOCK_LEEWAY_SECONDS:
            self._verified.pop(token, None)
            raise CallRefused("the gateway token has expired", code="internal_token_expired")
        if made_for_method != method.upper() or made_for_path != path:
            raise CallRefused("the gateway token was made for another request")
        return call

    def _decode(self, token: str) -> tuple[str, str, int, InternalCall]:
        """The token's signature and claims checked: what it was made for, and who acts."""
        claims = checked_claims(token, self._key, self.service)
        if claims["exp"] - claims["iat"] > TOKEN_TTL_SECONDS:
            raise CallRefused("the gateway token lives too long")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise CallRefused("the gateway token is not valid")
        if not isinstance(claims["mth"], str) or not isinstance(claims["pth"], str):
            raise CallRefused("the gateway token is not valid")
        actor = claims.get("sub")
        call = InternalCall(str(actor) if actor else None, frozenset(roles), str(claims["rid"]))
        return claims["mth"], claims["pth"], int(claims["exp"]), call


_SEGMENT = re.compile(rb"[A-Za-z0-9_-]*")
_HEADER_KEYS = frozenset({"alg", "typ"})
_REQUIRED = ("exp", "iat", "aud", "iss", "mth", "pth", "rid")


def checked_claims(token: str, key: bytes, service: str) -> dict[str, Any]:
    """The claims of a gateway token for ``service``, checked as PyJWT's ``decode`` checks
    them (HS256 only, ``aud``, ``iss``, the required claims, ``iat``, ``nbf`` and ``exp``
    with the leeway), or more strictly (no header but ``alg`` and ``typ``, integer times,
    base64url without padding), in the same order, so a refused token gets the same answer.

    Done here, not by PyJWT: each reversal's token is new to the service (the gateway signs
    one per path), and PyJWT's general decode (the key inspected for PEM and DER forms at
    each call, its options merged, its segments checked a character at a time) cost about
    as much as the rest of the command's HTTP path (bench/RESULTS.md, session 12)."""
    invalid = CallRefused("the gateway token is not valid")
    header_segment, _, rest = token.encode("ascii", "replace").partition(b".")
    payload_segment, _, signature_segment = rest.partition(b".")
    header, payload, signature = (
        _base64url(header_segment),
        _base64url(payload_segment),
        _base64url(signature_segment),
    )
    if header is None or payload is None or signature is None:
        raise invalid
    head = _json_object(header)
    if head is None or head.get("alg") != ALGORITHM or not head.keys() <= _HEADER_KEYS:
        raise invalid
    signed = hmac.new(key, header_segment + b"." + payload_segment, hashlib.sha256).digest()
    if not hmac.compare_digest(signed, signature):
        raise invalid
    claims = _json_object(payload)
    if claims is None or any(claims.get(name) is None for name in _REQUIRED):
        raise invalid
    now = time.time()  # the wall clock, as PyJWT reads it
    iat, exp, nbf = claims["iat"], claims["exp"], claims.get("nbf", 0)
    if not (_integer(iat) and _integer(exp) and _integer(nbf)):
        raise invalid
    if iat > now + CLOCK_LEEWAY_SECONDS or nbf > now + CLOCK_LEEWAY_SECONDS:
        raise invalid
    if exp <= now - CLOCK_LEEWAY_SECONDS:
        raise CallRefused("the gateway token has expired", code="internal_token_expired")
    if claims["iss"] != ISSUER:
        raise invalid
    audience = claims["aud"]
    if not audience:
        raise invalid  # PyJWT: a missing audience, not another one
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise CallRefused("the gateway token is for another service")
    if service not in audiences:
        raise CallRefused("the gateway token is for another service")
    if not isinstance(claims.get("sub", ""), str) or not isinstance(claims.get("jti", ""), str):
        raise invalid
    return claims


def _base64url(segment: bytes) -> bytes | None:
    """A base64url segment without padding, in its one canonical form; None if it is not."""
    if len(segment) % 4 == 1 or _SEGMENT.fullmatch(segment) is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except binascii.Error:
        return None
    return decoded if base64.urlsafe_b64encode(decoded).rstrip(b"=") == segment else None


def _json_object(raw: bytes) -> dict[str, Any] | None:
    """A JSON object in UTF-8 (what the gateway signs); None for anything else."""
    try:
        value = json.loads(raw.decode())  # UTF-8 named: no guessing of the encoding
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class InternalCallsOnly:
    """ASGI middleware: every request but ``OPEN_PATHS`` carries a valid gateway token."""

    def __init__(self, app: ASGIApp, verifier: InternalVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        token = _header(scope, INTERNAL_TOKEN_HEADER.lower().encode())
        try:
            call = self.verifier.verify(token, scope["method"], scope["path"])
            scope[_SCOPE_KEY], scope[ACTOR_SCOPE_KEY] = call, call.actor
        except CallRefused as exc:
            # the path is not logged: it may hold a phone number
            log.warning(
                "internal call refused",
                extra={"fields": {"method": scope["method"], "reason": exc.message}},
            )
            response = JSONResponse(
                {"code": exc.code, "message": exc.message},
                status_code=exc.status,
                headers={"WWW-Authenticate": "KefuInternal"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def require_internal_calls(app: Any, service: str, settings: Settings) -> None:
    """Refuse every call to ``app`` the gateway did not sign for ``service``."""
    verifier = InternalVerifier(internal_key(settings), service)
    app.state.internal_verifier = verifier
    app.add_middleware(InternalCallsOnly, verifier=verifier)


def internal_call(request: Request) -> InternalCall:
    """The call the middleware verified; refused if there is none (a route outside it)."""
    call = request.scope.get(_SCOPE_KEY)
    if not isinstance(call, InternalCall):
        raise CallRefused("internal call without a gateway token")
    return call
