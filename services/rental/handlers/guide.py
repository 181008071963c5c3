"""Saving the user guide: a new version, refused if someone saved since the editor read it."""

from __future__ import annotations

from services.rental.deps import Deps
from services.rental.domain.guide import GuideVersion, next_version
from services.rental.domain.permissions import role_refusal
from services.rental.store import guide as store
from shared.http import Actor

_GUIDE_LOCK = 7_414_601  # one advisory lock: two saves at once queue, then one conflicts


async def save(
    deps: Deps, content: str, based_on: int | None, note: str | None, actor: Actor
) -> GuideVersion:
    denied = role_refusal("edit_guide", actor.roles)
    if denied is not None:
        raise denied
    async with deps.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _GUIDE_LOCK)
        latest = await store.latest(conn)
        number = next_version(latest.version if latest else None, based_on, content)
        return await store.insert(conn, number, content, note, actor.username, deps.clock())
