"""Client Idempotency-Keys a service keeps for its own commands (table ``command_keys``).

The key is claimed in the command's own transaction, so a command and its key commit
or roll back together: a repeat finds the first command's claim (and, when it was
kept, its answer) and causes no second effect. A refused command keeps no claim.

A key belongs to the person who sent it and the route it came on (:func:`scoped_key`,
applied by ``shared.http`` to every ``Idempotency-Key``): another user's key, or the
same key on another route, is simply a different key. A refusal names nothing of the
command that holds the key, which may be someone else's decision.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.errors import InvalidInput


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


def scoped_key(actor: str, route: str, key: str) -> str:
    """The key as a service keeps it: the client's key within its sender and route.

    A digest, not the three joined: services build ids from keys (a top-up's charge id),
    and an id must not carry a colleague's username, nor grow with it.
    """
    triple = json.dumps([actor, route, key], ensure_ascii=False, separators=(",", ":"))
    return "k1-" + hashlib.sha256(triple.encode()).hexdigest()[:32]


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


async def claim(conn: asyncpg.Connection, key: str, command: str, subject: str) -> Claim | None:
    """Take ``key`` for ``command``: None when it is ours now, else the earlier claim.

    A concurrent request with the same key waits on the insert until the first
    commits, then finds the first's claim (or takes the key if the first rolled back).
    """
    claimed = await conn.fetchval(
        "INSERT INTO command_keys (key, command, subject) VALUES ($1, $2, $3)"
        " ON CONFLICT (key) DO NOTHING RETURNING 1",
        key,
        command,
        subject,
    )
    if claimed:
        return None
    row = await conn.fetchrow("SELECT * FROM command_keys WHERE key = $1", key)
    assert row is not None  # keys are never deleted
    if row["command"] != command:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for another request; use a new key for"
            " each command"
        )
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
