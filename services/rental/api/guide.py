"""The user guide (用户指南): read the current one or any version; save a new version."""

from __future__ import annotations

import asyncpg
from fastapi import APIRouter

from services.rental.api.common import Cursor, Limit, RentalDeps, keyset, numeric_id, paged
from services.rental.domain.errors import GuideVersionNotFound
from services.rental.domain.guide import guide_actions
from services.rental.handlers import guide as handlers
from services.rental.handlers.deps import Deps
from services.rental.store import guide as store
from shared.api.rental import GuideIn, GuideOut, GuideVersionOut, GuideVersionsOut
from shared.http import CurrentActor
from shared.paging import decode_cursor

router = APIRouter(tags=["user guide"])


def _out(row: asyncpg.Record, deps: Deps, roles: frozenset[str]) -> GuideOut:
    return GuideOut(
        actions=guide_actions(roles),
        version=row["version"],
        content=row["content"],
        note=row["note"],
        saved_by=row["saved_by"],
        saved_at=row["saved_at"].astimezone(deps.settings.tz),
    )


@router.get("/guide", response_model=GuideOut)
async def current_guide(deps: RentalDeps, actor: CurrentActor) -> GuideOut:
    """The guide users see now: the latest version (404 before the first save)."""
    row = await store.latest(deps.pool)
    if row is None:
        raise GuideVersionNotFound("the guide has not been written yet")
    return _out(row, deps, actor.roles)


@router.put("/guide", response_model=GuideOut)
async def save_guide(body: GuideIn, deps: RentalDeps, actor: CurrentActor) -> GuideOut:
    """Save a new version; ``based_on`` must be the latest (409 guide_version_conflict)."""
    saved = await handlers.save(deps, body.content, body.based_on, body.note, actor)
    return _out(saved, deps, actor.roles)


@router.get("/guide/versions", response_model=GuideVersionsOut)
async def guide_versions(
    deps: RentalDeps,
    _actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> GuideVersionsOut:
    """Every saved version, newest first."""
    rows = await store.versions(deps.pool, numeric_id(decode_cursor(cursor)), limit)
    tz = deps.settings.tz
    return GuideVersionsOut(
        **paged(
            rows,
            limit,
            keyset("saved_at", "version"),
            lambda r: GuideVersionOut(
                version=r["version"],
                note=r["note"],
                saved_by=r["saved_by"],
                saved_at=r["saved_at"].astimezone(tz),
                length=r["length"],
            ),
        )
    )


@router.get("/guide/versions/{version}", response_model=GuideOut)
async def guide_version(version: int, deps: RentalDeps, actor: CurrentActor) -> GuideOut:
    row = await store.version(deps.pool, version)
    if row is None:
        raise GuideVersionNotFound(f"no guide version {version}")
    return _out(row, deps, actor.roles)
