"""Idempotency-Keys of the commands that move money, kept by this service itself.

The key is claimed and the answer kept in the command's own transaction: a repeat
(through the gateway or around it, or after the gateway lost its key store) gets
the first answer as it was, status and body, and moves no money a second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared import idempotency
from shared.idempotency import Answer

Render = Callable[[asyncpg.Connection], Awaitable[Any]]
"""The answer's JSON, read inside the command's transaction once its changes are made."""


@dataclass(frozen=True)
class Keyed:
    """A command as the client sent it: its key (if any), what it asked, how it is answered."""

    key: str | None
    command: str
    """Name, target and the choices made (e.g. ``director_approval:RF1:approve:dora``):
    the same key with anything else is refused (422 idempotency_key_reused)."""
    render: Render


def command(name: str, *parts: str, text: str = "") -> str:
    """``name:part:...``, free text (an opinion, a note) as a digest: it may be long or private."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return ":".join((name, *parts, digest))


async def first_answer(conn: asyncpg.Connection, keyed: Keyed, subject: str) -> Answer | None:
    """The answer given under this key before; None when the key is ours now (or absent)."""
    if keyed.key is None:
        return None
    prior = await idempotency.claim(conn, keyed.key, keyed.command, subject)
    if prior is None:
        return None
    # claimed and answered in one transaction: a committed claim always has its answer
    assert prior.answer is not None
    return prior.answer


async def answer(conn: asyncpg.Connection, keyed: Keyed) -> Answer:
    """Render the answer and keep it under the key, in the command's transaction."""
    given = Answer(200, await keyed.render(conn))
    if keyed.key is not None:
        await idempotency.keep_answer(conn, keyed.key, given)
    return given
