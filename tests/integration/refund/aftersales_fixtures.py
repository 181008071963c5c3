"""A refund service for the after-sales, handover and report tests: its own database and
consumer groups, a clock the tests move, and an HTTP client acting as any staff member."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from services.refund.app import create_app
from services.refund.settings import RefundSettings
from tests.clocks import SWEEP_BACKSTOP, TellsWhenMoved
from tests.infra import Infra, settings_of
from tests.internal_calls import SignedLikeTheGateway


@dataclass
class Clock(TellsWhenMoved):
    """Moves only forward: tests share one service, so time never runs back (moving it
    wakes the sweeps)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
        self.moved()


def staff(username: str, *roles: str) -> dict[str, str]:
    return {"X-Kefu-Actor": username, "X-Kefu-Roles": ",".join(roles)}


AGENT = staff("agent.wu", "agent")
LEAD = staff("lead.wang", "duty_lead")
LEAD2 = staff("lead.zhou", "duty_lead")
REVIEWER = staff("rev.li", "aftersales_reviewer")
PROCESSOR = staff("proc.chen", "aftersales_processor")
SELLER = staff("seller.main", "aftersales_reviewer", "aftersales_processor")
OPS = staff("ops.zhao", "ops_supervisor")


@dataclass
class Refund:
    app: FastAPI
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    clock: Clock
    settings: RefundSettings

    async def ok(
        self, method: str, path: str, headers: dict[str, str], expect: int = 200, **kw: Any
    ) -> Any:
        response = await self.http.request(method, path, headers=headers, **kw)
        assert response.status_code == expect, response.text
        return response.json()

    async def refused(
        self, method: str, path: str, headers: dict[str, str], status: int, code: str, **kw: Any
    ) -> dict[str, Any]:
        response = await self.http.request(method, path, headers=headers, **kw)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        assert body["code"] == code, body
        assert body["message"]
        return body


def refund_settings(infra: Infra, home: Path, **overrides: Any) -> RefundSettings:
    return settings_of(
        RefundSettings,
        infra,
        home=home,
        aftersales_sweep_seconds=SWEEP_BACKSTOP,
        refund_timer_sweep_seconds=SWEEP_BACKSTOP,
        refund_report_check_seconds=SWEEP_BACKSTOP,
        **overrides,
    )


@contextlib.asynccontextmanager
async def running_refund(
    settings: RefundSettings, clock: Clock, service: str | None = None
) -> AsyncIterator[Refund]:
    app = create_app(settings, service=service or f"refund{uuid.uuid4().hex[:8]}", clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://refund", auth=SignedLikeTheGateway.for_app(app)
        ) as http:
            yield Refund(app, http, app.state.platform.pool, clock, settings)


@contextlib.asynccontextmanager
async def module_refund(infra: Infra, tmp_path_factory: Any, name: str) -> AsyncIterator[Refund]:
    """A refund service of a test module's own, its clock moved by that module only."""
    settings = refund_settings(infra, tmp_path_factory.mktemp(name))
    async with running_refund(settings, Clock()) as running:
        yield running
