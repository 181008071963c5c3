"""The gateway on the test PostgreSQL, in front of stand-in services on free ports.

The stand-ins are internal HTTP peers, not outside systems: tiny apps that record
what reached them and answer like the voucher, points and notify services do.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import SecretStr

from services.gateway.app import create_app
from shared.devstack.broker import free_port
from shared.internal_auth import INTERNAL_TOKEN_HEADER, CallRefused, InternalVerifier
from shared.settings import SERVICES, Settings
from tests.infra import Infra
from tests.serving import serving

RAW_ANSWER = '{"items": [ {"name": "\\u674e", "phone": "138****8000"} ], "next_cursor": null}'
"""Written as no JSON encoder in the gateway would write it (spaces, an escaped character):
an answer decoded and encoded again on its way would not keep these bytes."""
DEMO_PASSWORD = "demo-password-for-tests"
INTERNAL_SECRET = "internal-secret-for-tests-" + "y" * 40
INTERNAL_KEY = INTERNAL_SECRET.encode()


@dataclass
class StandIn:
    """A service behind the gateway: records each request; some codes behave specially."""

    name: str
    seen: list[dict[str, Any]] = field(default_factory=list)
    effects: Counter[str] = field(default_factory=Counter)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    held: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    key: bytes = INTERNAL_KEY

    def app(self) -> FastAPI:
        verifier = InternalVerifier(self.key, self.name)

        app = FastAPI()

        @app.get("/health")
        async def health() -> dict[str, str]:
            return {"service": self.name, "status": "ok"}

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT"])
        async def anything(path: str, request: Request) -> Response:
            body = await request.json() if await request.body() else None
            try:  # what the gateway vouched for, as a real service would check it
                token = request.headers.get(INTERNAL_TOKEN_HEADER)
                caller = verifier.verify(token, request.method, request.url.path)
            except CallRefused:
                caller = None
            self.seen.append(
                {
                    "method": request.method,
                    "path": request.scope["raw_path"].decode(),
                    "query": request.url.query,
                    "headers": dict(request.headers),
                    "body": body,
                    "caller": caller,
                }
            )
            code = path.split("/")[1] if "/" in path else ""
            if code.startswith("SLOW"):
                self.held.set()
                await self.gate.wait()
            if code.startswith("BOOM") and not self.effects[f"boom:{code}"]:
                self.effects[f"boom:{code}"] += 1
                return JSONResponse({"code": "internal", "message": "boom"}, status_code=500)
            if code.startswith("MISSING"):
                return JSONResponse({"code": "voucher_not_found", "message": "no"}, 404)
            asked = code or request.query_params.get("code", "")
            if asked.startswith("RAW"):  # RAW503: the same bytes, shedding load
                status = 503 if asked == "RAW503" else 200
                return Response(RAW_ANSWER.encode(), status, media_type="application/json")
            if asked.startswith("TEXT"):
                return PlainTextResponse("not json")
            if code.startswith("USED"):
                return JSONResponse({"code": "not_available", "message": "used"}, 409)
            if request.method == "POST":
                self.effects[path] += 1
            return JSONResponse(
                {"service": self.name, "path": path, "effect": self.effects[path], "echo": body}
            )

        return app

    def last(self) -> dict[str, Any]:
        return self.seen[-1]


@dataclass
class GatewayUnderTest:
    app: FastAPI
    settings: Settings
    http: httpx.AsyncClient
    voucher: StandIn
    points: StandIn
    notify: StandIn
    refund: StandIn
    rental: StandIn

    async def token(self, username: str, password: str = DEMO_PASSWORD) -> str:
        response = await self.http.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def as_user(self, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(username, password)}"}


def new_key() -> str:
    return uuid.uuid4().hex


async def _serve(app: FastAPI, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(1000):  # up to 10 s
        if server.started:
            break
        await asyncio.sleep(0.01)
    else:
        raise TimeoutError(f"the stand-in on port {port} did not start")
    return server, task


@pytest.fixture(scope="module")
async def gateway(infra: Infra) -> AsyncIterator[GatewayUnderTest]:
    # a stand-in for every service behind the gateway, so /health can say "ok"
    stand_ins = {name: StandIn(name, port=free_port()) for name in SERVICES if name != "gateway"}
    servers = [await _serve(s.app(), s.port) for s in stand_ins.values()]
    ports: dict[str, Any] = {f"{name}_port": s.port for name, s in stand_ins.items()}
    settings = Settings(
        database_url=infra.database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        **ports,
        jwt_secret=SecretStr("test-secret-" + "x" * 40),
        internal_secret=SecretStr(INTERNAL_SECRET),
        demo_password=SecretStr(DEMO_PASSWORD),
        log_json=False,
    )
    app = create_app(settings)
    async with serving(app, "http://gateway") as http:
        yield GatewayUnderTest(app, settings, http, **stand_ins)
    for server, task in servers:
        server.should_exit = True
        await task
