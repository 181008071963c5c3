"""Saving the user guide: a new version, refused if someone saved since the editor read it."""

from __future__ import annotations

from services.rental.deps import Deps
from services.rental.domain.guide import GuideVersion, next_version
from services.rental.domain.permissions import role_refusal
from services.rental.store import guide as store
from shared import idempotency
from shared.http import Actor
from shared.idempotency import Command

_GUIDE_LOCK = 7_414_601  # one advisory lock: two saves at once queue, then one conflicts


async def save(
    deps: Deps,
    content: str,
    based_on: int | None,
    note: str | None,
    actor: Actor,
    key: str | None = None,
) -> GuideVersion:
    """The same Idempotency-Key answers the version it saved (a repeat is no conflict and
    saves nothing); with other content, base or note, 422 ``idempotency_key_reused``."""
    denied = role_refusal("edit_guide", actor.roles)
    if denied is not None:
        raise denied
    async with deps.unit() as uow:
        conn = uow.conn
        if key is not None:
            command = Command(
                "guide_save", "guide", {"content": content, "based_on": based_on, "note": note}
            )
            # the version's number is known under the lock: the key names the guide till then
            prior = await idempotency.claim(conn, key, command, "guide")
            if prior is not None:
                saved = await store.version(conn, int(prior.subject))
                assert saved is not None  # versions are never deleted
                return saved
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _GUIDE_LOCK)
        latest = await store.latest(conn)
        number = next_version(latest.version if latest else None, based_on, content)
        if key is not None:
            await idempotency.rebind(conn, key, str(number))
        return await store.insert(conn, number, content, note, actor.username, uow.now())
