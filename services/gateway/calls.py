"""A request on its way through the gateway: who asks, the route rule, and its key.

Every route but the public ones takes a :data:`Call`: the dependency signs the
caller in, finds the route's rule in the table and checks it (a unit test checks
that every non-public route takes one). A public route that a service answers goes
through :func:`forward_public`, which checks the table says it is public.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.responses import Response

from services.gateway import store
from services.gateway.answers import Answer, Produce, answered
from services.gateway.context import Gateway
from services.gateway.domain.idempotency import IdempotencyKeyRequired, fingerprint
from services.gateway.domain.routes import (
    PASSWORD_CHANGE_PATHS,
    Audience,
    RouteRule,
    may_call,
    rule_for,
    upstream_path,
)
from services.gateway.errors import Unauthorized
from shared.errors import Forbidden
from shared.http import Actor, checked_idempotency_key
from shared.observability.http_server import ACTOR_SCOPE_KEY

bearer = HTTPBearer(
    auto_error=False,
    description="The access_token from POST /api/v1/auth/login.",
)


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


async def sign_in(gateway: Gateway, credentials: HTTPAuthorizationCredentials | None) -> store.User:
    if credentials is None:
        raise Unauthorized("sign in first: send Authorization: Bearer <access_token>")
    claims = gateway.tokens.verify(credentials.credentials)
    # Roles, the active flag and the sessions' start come from the account, not from the
    # token: a sign-out, a disable or a role change takes effect on the next request here,
    # within account_check_seconds on another replica (services/gateway/accounts.py).
    user = await gateway.accounts.get(claims.username)
    if user is None or not user.active:
        raise Unauthorized("this account no longer exists or is disabled")
    if user.sessions_valid_after is not None and claims.issued_at < user.sessions_valid_after:
        raise Unauthorized("this token was signed out; sign in again", code="signed_out")
    return user


def path_on_service(request: Request, rule: RouteRule) -> str:
    # The raw path, so the service gets the client's percent-encoding as it came
    # (a code with a space stays %20), not a decoded path to re-encode.
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("ascii") if raw_path else request.url.path
    return upstream_path(path, rule.prefix)


def query_with(request: Request, fixed: Mapping[str, str] | None) -> str:
    """The client's query as it came, or with ``fixed`` parameters replacing theirs."""
    if not fixed:
        return request.url.query
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in fixed]
    return urlencode([*kept, *fixed.items()])


def rule_of(request: Request) -> RouteRule | None:
    # Routes are declared with their full path (routers have no prefix), so the matched
    # route's path is the table's template.
    route = request.scope.get("route")
    return rule_for(request.method, getattr(route, "path", ""))


@dataclass(frozen=True)
class GatewayCall:
    gateway: Gateway
    request: Request
    rule: RouteRule
    actor: Actor
    idempotency_key: str | None

    async def forward(
        self,
        body: BaseModel | None = None,
        *,
        path: str | None = None,
        fixed: Mapping[str, str] | None = None,
    ) -> Response:
        """Pass the request to the rule's service at the same path minus the route's prefix.

        ``path`` replaces the service's path and ``fixed`` query parameters override the
        client's, for a route whose public path does not name what the service needs (a
        staff member's own inbox is named by the sign-in, never by the client).
        """
        payload = body.model_dump(mode="json") if body is not None else None
        service_path = path if path is not None else path_on_service(self.request, self.rule)

        async def produce() -> Answer:
            return await self.gateway.upstreams.call(
                self.rule.service,
                self.request.method,
                service_path,
                query=query_with(self.request, fixed),
                body=payload,
                actor=self.actor,
                idempotency_key=self.idempotency_key,
                as_is=self.kept_under() is None,
            )

        return await self.respond(produce, payload)

    def kept_under(self) -> str | None:
        """The Idempotency-Key a POST's answer is produced once and kept under, if any."""
        return self.idempotency_key if self.request.method == "POST" else None

    async def respond(self, produce: Produce, body: Any) -> Response:
        """Produce the answer once per Idempotency-Key (POSTs), else just produce it."""
        key = self.kept_under()
        if key is None:
            return (await answered(produce)).response()
        request_fingerprint = fingerprint(
            self.request.method,
            self.request.url.path,
            self.request.query_params.multi_items(),
            body,
        )
        answer = await self.gateway.keys.once(
            ref=store.KeyRef(self.actor.username, f"{self.rule.method} {self.rule.path}", key),
            method=self.request.method,
            path=self.request.url.path,
            fingerprint=request_fingerprint,
            produce=produce,
        )
        return answer.response()


async def authorized_call(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> GatewayCall:
    gateway = gateway_of(request)
    user = await sign_in(gateway, credentials)
    actor = Actor(user.username, user.roles)
    request.scope[ACTOR_SCOPE_KEY] = actor.username
    # only once the caller is known: no input is judged for someone not signed in
    idempotency_key = checked_idempotency_key(idempotency_key)
    rule = rule_of(request)
    if user.must_change_password and (rule is None or rule.path not in PASSWORD_CHANGE_PATHS):
        raise Forbidden(
            "an admin reset your password: choose your own first (POST /api/v1/auth/password)",
            code="password_change_required",
        )
    if rule is None or not may_call(rule, actor.roles):
        roles = ", ".join(sorted(actor.roles)) or "none"
        raise Forbidden(f"your roles ({roles}) may not {request.method} {request.url.path}")
    if rule.moves_money and idempotency_key is None:
        raise IdempotencyKeyRequired(
            "this command moves money: send an Idempotency-Key header (a new one per command)"
        )
    return GatewayCall(gateway, request, rule, actor, idempotency_key)


Call = Annotated[GatewayCall, Depends(authorized_call)]


async def forward_public(request: Request) -> Response:
    """Pass a public route's request on with no one acting (the front page's notice board)."""
    gateway = gateway_of(request)
    rule = rule_of(request)
    if rule is None or rule.audience is not Audience.PUBLIC or not rule.forwarded:
        # Only a route declared public in the table may skip the sign-in (fail closed).
        raise Forbidden(f"{request.method} {request.url.path} is not a public route")

    async def produce() -> Answer:
        return await gateway.upstreams.call(
            rule.service,
            request.method,
            path_on_service(request, rule),
            query=request.url.query,
            body=None,
            actor=None,
            idempotency_key=None,
            as_is=True,
        )

    return (await answered(produce)).response()
