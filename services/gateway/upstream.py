"""Calls to the services behind the gateway, over their internal HTTP APIs."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import unquote

import httpx
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from services.gateway.answers import Answer
from services.gateway.errors import BadServiceAnswer, ServiceTimeout, ServiceUnavailable
from shared.http import Actor
from shared.internal_auth import INTERNAL_TOKEN_HEADER, InternalSigner
from shared.observability.http_client import client_call
from shared.settings import Settings

HEALTH_TIMEOUT = httpx.Timeout(2.0)


def client_timeout(settings: Settings) -> httpx.Timeout:
    # A reversal may hold its answer for reversal_wait_seconds; allow that and some.
    return httpx.Timeout(settings.reversal_wait_seconds + 10.0, connect=2.0)


class Upstreams:
    def __init__(
        self, client: httpx.AsyncClient, settings: Settings, signer: InternalSigner
    ) -> None:
        self._client = client
        self._settings = settings
        self._signer = signer

    def _signed(self, service: str, method: str, path: str, actor: Actor | None) -> dict[str, str]:
        """The gateway's token for this call: the service believes nothing else. ``path``
        as sent (percent-encoded, no query); the token names it decoded, as the service
        sees it."""
        username, roles = (actor.username, actor.roles) if actor else (None, frozenset[str]())
        token = self._signer.token(service, method, unquote(path), username, roles)
        return {INTERNAL_TOKEN_HEADER: token}

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        query: str,
        body: Any,
        actor: Actor | None,
        idempotency_key: str | None,
    ) -> Answer:
        """``actor`` None: a public route, answered with no one acting."""
        url = self._settings.url_of(service) + path + (f"?{query}" if query else "")
        headers = self._signed(service, method, path, actor)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        try:
            with client_call(method, url, peer=service) as call:
                response = await self._client.request(
                    method,
                    url,
                    json=body if method != "GET" else None,
                    headers={**headers, **call.headers()},
                )
                call.answered(response.status_code)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ServiceUnavailable(f"the {service} service is unavailable") from exc
        except httpx.TimeoutException as exc:
            raise ServiceTimeout(f"the {service} service did not answer in time") from exc
        except httpx.TransportError as exc:
            raise ServiceUnavailable(f"the {service} service is unavailable: {exc!r}") from exc
        if not response.content:
            return Answer(response.status_code, None)
        try:
            return Answer(response.status_code, response.json())
        except ValueError as exc:
            raise BadServiceAnswer(
                f"the {service} service answered {response.status_code} without JSON"
            ) from exc

    async def download(
        self, service: str, path: str, *, query: str, actor: Actor
    ) -> StreamingResponse | Answer:
        """A GET whose answer is a file (a CSV report), streamed through as the service
        writes it; an error answer (JSON) comes back as an :class:`Answer`."""
        url = self._settings.url_of(service) + path + (f"?{query}" if query else "")
        headers = self._signed(service, "GET", path, actor)
        try:
            with client_call("GET", url, peer=service) as call:
                request = self._client.build_request(
                    "GET", url, headers={**headers, **call.headers()}
                )
                response = await self._client.send(request, stream=True)
                call.answered(response.status_code)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ServiceUnavailable(f"the {service} service is unavailable") from exc
        except httpx.TimeoutException as exc:
            raise ServiceTimeout(f"the {service} service did not answer in time") from exc
        except httpx.TransportError as exc:
            raise ServiceUnavailable(f"the {service} service is unavailable: {exc!r}") from exc
        content_type = response.headers.get("content-type", "application/octet-stream")
        if response.status_code >= 400 or content_type.startswith("application/json"):
            body = await response.aread()
            await response.aclose()
            try:
                return Answer(response.status_code, json.loads(body) if body else None)
            except ValueError as exc:
                raise BadServiceAnswer(
                    f"the {service} service answered {response.status_code} without JSON"
                ) from exc
        disposition = response.headers.get("content-disposition")
        return StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            media_type=content_type,
            headers={"Content-Disposition": disposition} if disposition else None,
            background=BackgroundTask(response.aclose),
        )

    async def health(self, service: str) -> dict[str, Any]:
        try:
            response = await self._client.get(
                f"{self._settings.url_of(service)}/health", timeout=HEALTH_TIMEOUT
            )
            report = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            return {"service": service, "status": "unreachable", "error": repr(exc)}
        if not isinstance(report, dict):
            return {"service": service, "status": "failing", "error": "health is not an object"}
        return report

    async def health_of(self, services: list[str]) -> dict[str, dict[str, Any]]:
        reports = await asyncio.gather(*(self.health(s) for s in services))
        return dict(zip(services, reports, strict=True))
