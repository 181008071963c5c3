"""The audit trail of sign-ins and account changes (``auth_events``, append-only)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.gateway.metrics import auth_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthEvent:
    at: datetime
    event: str
    username: str | None
    actor: str | None
    address: str | None
    detail: dict[str, Any]


async def record(
    conn: asyncpg.Connection | asyncpg.Pool,
    event: str,
    *,
    username: str | None = None,
    actor: str | None = None,
    address: str | None = None,
    **detail: Any,
) -> None:
    """``username`` only for an account that exists: an unknown name is never kept."""
    await conn.execute(
        "INSERT INTO auth_events (event, username, actor, address, detail)"
        " VALUES ($1, $2, $3, $4, $5::jsonb)",
        event,
        username,
        actor,
        address,
        json.dumps(detail),
    )
    auth_event(event)
    log.info(
        event.replace("_", " "),
        extra={"fields": {"username": username, "by": actor, **detail}},
    )


async def events_of(conn: asyncpg.Connection | asyncpg.Pool, username: str) -> list[AuthEvent]:
    rows = await conn.fetch(
        "SELECT at, event, username, actor, address, detail FROM auth_events"
        " WHERE username = $1 ORDER BY id",
        username,
    )
    return [
        AuthEvent(
            r["at"], r["event"], r["username"], r["actor"], r["address"], json.loads(r["detail"])
        )
        for r in rows
    ]
