"""Client Idempotency-Keys a service keeps for its own commands (table ``command_keys``).

The one key path of every command that moves money or sends a message: the key is
claimed in the command's own transaction with the command's fingerprint
(:class:`Command`), so a command and its key commit or roll back together. A repeat
of the same command finds the first's claim (and, when it was kept, its answer) and
causes no second effect; the same key with another command is refused, 422
``idempotency_key_reused``, and changes nothing. A refused command keeps no claim.

A key belongs to the person who sent it and the route it came on (:func:`scoped_key`,
applied by ``shared.http`` to every ``Idempotency-Key``): another user's key, or the
same key on another route, is simply a different key. A refusal names nothing of the
command that holds the key, which may be someone else's decision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from shared.errors import IdempotencyKeyReused
from shared.fingerprints import fingerprint_of

__all__ = [
    "Answer",
    "Claim",
    "Command",
    "IdempotencyKeyReused",
    "claim",
    "keep_answer",
    "rebind",
    "scoped_key",
]


def scoped_key(actor: str, route: str, key: str) -> str:
    """The key as a service keeps it: the client's key within its sender and route.

    A digest, not the three joined: services build ids from keys (a top-up's charge id),
    and an id must not carry a colleague's username, nor grow with it.
    """
    triple = json.dumps([actor, route, key], ensure_ascii=False, separators=(",", ":"))
    return "k1-" + hashlib.sha256(triple.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Command:
    """What a keyed command asks: its name, what it acts on, and the client's choices.

    ``params`` are what the client chose (a decision, an amount, a reason), never what
    differs between honest retries of one command (an identity check done again, the
    time of the request). Only their digest is kept: an opinion or a phone number is
    not copied into the key table.
    """

    name: str
    target: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Name and target, kept in clear beside the key: what a key was used for."""
        return f"{self.name}:{self.target}"

    @property
    def fingerprint(self) -> str:
        return fingerprint_of([self.name, self.target, dict(self.params)])


@dataclass(frozen=True)
class Answer:
    """A command's answer as the client first got it."""

    status: int
    body: Any


@dataclass(frozen=True)
class Claim:
    """Who holds a key: the command, what it acted on, and its answer if one was kept."""

    command: str
    subject: str
    answer: Answer | None


async def claim(conn: asyncpg.Connection, key: str, command: Command, subject: str) -> Claim | None:
    """Take ``key`` for ``command``: None when it is ours now, else the earlier claim of
    the same command; raises :class:`IdempotencyKeyReused` for another command.

    A concurrent request with the same key waits on the insert until the first
    commits, then finds the first's claim (or takes the key if the first rolled back).
    """
    if await conn.fetchval(CLAIM + " RETURNING 1", *claim_args(key, command, subject)):
        return None
    return await claimed_before(conn, key, command)


CLAIM = (
    "INSERT INTO command_keys (key, command, fingerprint, subject) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (key) DO NOTHING"
)
"""The claim's insert, its parameters :func:`claim_args`: for a statement that claims the
key along with its command's first lock (a round trip fewer); when it inserted nothing,
:func:`claimed_before` says who holds the key."""


def claim_args(key: str, command: Command, subject: str) -> tuple[object, ...]:
    return (key, command.label, command.fingerprint, subject)


async def claimed_before(conn: asyncpg.Connection, key: str, command: Command) -> Claim:
    """The claim of ``key`` that an insert of :data:`CLAIM` found (it inserted nothing): the
    same command's, or :class:`IdempotencyKeyReused`."""
    row = await conn.fetchrow("SELECT * FROM command_keys WHERE key = $1", key)
    assert row is not None  # keys are never deleted
    # A key claimed before fingerprints were kept is judged by its label, as it was then.
    kept, asked = (
        (row["command"], command.label)
        if row["fingerprint"] is None
        else (row["fingerprint"], command.fingerprint)
    )
    if kept != asked:
        raise IdempotencyKeyReused()
    answer = None if row["status"] is None else Answer(row["status"], row["body"])
    return Claim(row["command"], row["subject"], answer)


async def keep_answer(conn: asyncpg.Connection, key: str, answer: Answer) -> None:
    """Record the answer under the key claimed in this transaction, to replay it as it was."""
    await conn.execute(
        "UPDATE command_keys SET status = $2, body = $3 WHERE key = $1",
        key,
        answer.status,
        answer.body,  # the pool's jsonb codec encodes it
    )


async def rebind(conn: asyncpg.Connection, key: str, subject: str) -> None:
    """The command turned out to act on something that existed (a resume): point the key there."""
    await conn.execute("UPDATE command_keys SET subject = $2 WHERE key = $1", key, subject)
