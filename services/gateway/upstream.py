"""Calls to the services behind the gateway, over their internal HTTP APIs.

The client is aiohttp's: its HTTP parser is in C, and a proxied search spent several
times more of the gateway's CPU in httpx (pure-Python HTTP/1.1) than in aiohttp
(bench/RESULTS.md, section (a2)).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import unquote

import aiohttp
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse
from yarl import URL

from services.gateway.answers import Answer
from services.gateway.errors import BadServiceAnswer, ServiceTimeout, ServiceUnavailable
from shared.http import Actor
from shared.internal_auth import INTERNAL_TOKEN_HEADER, InternalSigner
from shared.observability.http_client import client_call
from shared.settings import Settings

HEALTH_TIMEOUT = aiohttp.ClientTimeout(total=2.0)
CONNECTIONS = 100
"""Connections to all services at once, as httpx's pool had."""
KEEP_ALIVE_SECONDS = 3.0
"""Below uvicorn's 5 s keep-alive: the gateway lets an idle connection go before the
service closes it, so a call never goes out on a connection closing under it."""


def client_timeout(settings: Settings) -> aiohttp.ClientTimeout:
    # A reversal may hold its answer for reversal_wait_seconds; allow that and some, for
    # the answer and for a free connection when all CONNECTIONS are busy (then 503).
    wait = settings.reversal_wait_seconds + 10.0
    return aiohttp.ClientTimeout(connect=wait, sock_connect=2.0, sock_read=wait)


def upstream_client(settings: Settings) -> aiohttp.ClientSession:
    """The gateway's one client (made in the running loop, closed with the app)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            limit=CONNECTIONS, keepalive_timeout=KEEP_ALIVE_SECONDS, use_dns_cache=True
        ),
        timeout=client_timeout(settings),
        auto_decompress=False,  # the services do not compress; nothing is asked to
        skip_auto_headers=("Accept-Encoding", "User-Agent"),
        raise_for_status=False,
    )


def _failure(service: str, exc: Exception) -> Exception:
    """What the client's ``exc`` means to the gateway's caller (503 or 504)."""
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return ServiceUnavailable(f"the {service} service is unavailable")
    if isinstance(exc, TimeoutError):
        return ServiceTimeout(f"the {service} service did not answer in time")
    return ServiceUnavailable(f"the {service} service is unavailable: {exc!r}")


class Upstreams:
    def __init__(
        self, client: aiohttp.ClientSession, settings: Settings, signer: InternalSigner
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

    def _url(self, service: str, path: str, query: str) -> str:
        return self._settings.url_of(service) + path + (f"?{query}" if query else "")

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
        as_is: bool = False,
    ) -> Answer:
        """``actor`` None: a public route, answered with no one acting. ``as_is``: a JSON
        answer comes back as its bytes (:attr:`Answer.raw`), not decoded."""
        url = self._url(service, path, query)
        headers = self._signed(service, method, path, actor)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        data: bytes | None = None
        if method != "GET" and body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        try:
            with client_call(method, url, peer=service) as call:
                # encoded=True: the path and query go out as the client sent them
                async with self._client.request(
                    method, URL(url, encoded=True), data=data, headers={**headers, **call.headers()}
                ) as response:
                    content = await response.read()
                    status = response.status
                    json_answer = response.content_type == "application/json"
                call.answered(status)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _failure(service, exc) from exc
        if not content:
            return Answer(status, None)
        if as_is and json_answer:  # the services answer JSON under this type, nothing else
            return Answer(status, None, raw=content)
        try:
            return Answer(status, json.loads(content))
        except ValueError as exc:
            raise BadServiceAnswer(f"the {service} service answered {status} without JSON") from exc

    async def download(
        self, service: str, path: str, *, query: str, actor: Actor
    ) -> StreamingResponse | Answer:
        """A GET whose answer is a file (a CSV report), streamed through as the service
        writes it; an error answer (JSON) comes back as an :class:`Answer`."""
        url = self._url(service, path, query)
        headers = self._signed(service, "GET", path, actor)
        try:
            with client_call("GET", url, peer=service) as call:
                response = await self._client.get(
                    URL(url, encoded=True), headers={**headers, **call.headers()}
                )
                call.answered(response.status)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _failure(service, exc) from exc
        content_type = response.headers.get("content-type", "application/octet-stream")
        if response.status >= 400 or content_type.startswith("application/json"):
            try:
                body = await response.read()
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise _failure(service, exc) from exc
            finally:
                response.release()
            try:
                return Answer(response.status, json.loads(body) if body else None)
            except ValueError as exc:
                raise BadServiceAnswer(
                    f"the {service} service answered {response.status} without JSON"
                ) from exc
        disposition = response.headers.get("content-disposition")
        return StreamingResponse(
            response.content.iter_any(),
            status_code=response.status,
            media_type=content_type,
            headers={"Content-Disposition": disposition} if disposition else None,
            background=BackgroundTask(_close, response),
        )

    async def health(self, service: str) -> dict[str, Any]:
        try:
            async with self._client.get(
                f"{self._settings.url_of(service)}/health", timeout=HEALTH_TIMEOUT
            ) as response:
                report = json.loads(await response.read())
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            return {"service": service, "status": "unreachable", "error": repr(exc)}
        if not isinstance(report, dict):
            return {"service": service, "status": "failing", "error": "health is not an object"}
        return report

    async def health_of(self, services: list[str]) -> dict[str, dict[str, Any]]:
        reports = await asyncio.gather(*(self.health(s) for s in services))
        return dict(zip(services, reports, strict=True))


async def _close(response: aiohttp.ClientResponse) -> None:
    response.release()
