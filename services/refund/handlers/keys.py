"""Idempotency-Keys of the commands that move money, kept by this service itself.

The key is claimed and the answer kept in the command's own transaction: a repeat
(through the gateway or around it, or after the gateway lost its key store) gets
the first answer as it was, status and body, and moves no money a second time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared import idempotency
from shared.idempotency import Answer, Command

Render = Callable[[asyncpg.Connection], Awaitable[Any]]
"""The answer's JSON, read inside the command's transaction once its changes are made."""


@dataclass(frozen=True)
class Keyed:
    """A command as the client sent it: its key (if any), what it asked, how it is answered."""

    key: str | None
    command: Command
    """Name, form or refund, and the choices made (a decision, an amount, the opinion or
    note, kept as a digest only): the same key with anything else is refused (422
    idempotency_key_reused)."""
    render: Render


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
