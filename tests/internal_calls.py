"""Call a service directly as the gateway would: its signed token, never bare headers.

Integration tests name the acting agent the way they always have, in ``X-Kefu-Actor``
and ``X-Kefu-Roles``; :class:`SignedLikeTheGateway` takes those two headers off each
request and signs them into the gateway's token (``shared.internal_auth``) for that
request's method and path. A request with neither header is signed with no one acting
(a public route). The services themselves never read the two headers.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx
from fastapi import FastAPI

from shared.internal_auth import INTERNAL_TOKEN_HEADER, InternalSigner, InternalVerifier

ACTOR_HEADER = "X-Kefu-Actor"
ROLES_HEADER = "X-Kefu-Roles"


class SignedLikeTheGateway(httpx.Auth):
    def __init__(self, key: bytes, service: str) -> None:
        self._signer = InternalSigner(key)
        self._service = service

    @classmethod
    def for_app(cls, app: FastAPI) -> SignedLikeTheGateway | None:
        """The signer for a service app (None for an app that trusts no gateway token)."""
        verifier = getattr(app.state, "internal_verifier", None)
        if not isinstance(verifier, InternalVerifier):
            return None
        return cls(verifier._key, verifier.service)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        actor = request.headers.pop(ACTOR_HEADER, None)
        roles = frozenset(r for r in request.headers.pop(ROLES_HEADER, "").split(",") if r)
        request.headers[INTERNAL_TOKEN_HEADER] = self._signer.token(
            self._service, request.method, request.url.path, actor or None, roles
        )
        yield request
