"""Idempotency-Keys of the refund service's commands (forms, requested refunds, after-sales,
handovers, monthly statistics), kept by this service itself through ``shared.idempotency``.

The key is claimed and the answer kept in the command's own transaction: a repeat
(through the gateway or around it, or after the gateway lost its key store) gets
the first answer as it was, status and body, and changes nothing a second time (no
money moved, no message sent again); the same key with another command is refused (422
``idempotency_key_reused``). A command refused by its rules keeps no claim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Generic, TypeVar

import asyncpg
from pydantic import BaseModel

from shared import idempotency
from shared.idempotency import Answer, Command
from shared.unit_of_work import UnitOfWork

T = TypeVar("T")
Render = Callable[[asyncpg.Connection, T], Awaitable[BaseModel]]
"""The answer, read inside the command's transaction once its changes are made, from what
the command returned (the form's id, the ticket as saved)."""


@dataclass(frozen=True)
class Keyed(Generic[T]):
    """A command as the client sent it: its key (if any), what it asked, how it is answered."""

    key: str | None
    command: Command
    """Name, target and the choices made (kept as a digest only): the same key with
    anything else is refused (422 idempotency_key_reused)."""
    render: Render[T]
    status: int = 200
    """The answer's HTTP status (201 for what a command creates)."""


async def once(
    uow: UnitOfWork, keyed: Keyed[T], subject: str, act: Callable[[], Awaitable[T]]
) -> Answer:
    """Run ``act`` under the key in the unit of work's transaction: the answer given under
    this key before, or ``act``'s effect rendered and kept under the key."""
    if keyed.key is not None:
        prior = await idempotency.claim(uow.conn, keyed.key, keyed.command, subject)
        if prior is not None:
            # claimed and answered in one transaction: a committed claim always has its answer
            assert prior.answer is not None
            return prior.answer
    done = await act()
    given = Answer(keyed.status, (await keyed.render(uow.conn, done)).model_dump(mode="json"))
    if keyed.key is not None:
        await idempotency.keep_answer(uow.conn, keyed.key, given)
    return given


async def run(
    unit: AbstractAsyncContextManager[UnitOfWork],
    keyed: Keyed[T],
    subject: str,
    act: Callable[[UnitOfWork], Awaitable[T]],
) -> Answer:
    """The command ``act`` in a unit of work of its own, under its key (:func:`once`)."""
    async with unit as uow:
        return await once(uow, keyed, subject, lambda: act(uow))
