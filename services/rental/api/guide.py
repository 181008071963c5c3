"""The user guide (用户指南): read the current one or any version; save a new version."""

from __future__ import annotations

from fastapi import APIRouter

from services.rental.api.common import Cursor, Limit, RentalDeps, numeric_id, paged
from services.rental.api.models import in_zone
from services.rental.deps import Deps
from services.rental.domain.errors import GuideVersionNotFound
from services.rental.domain.guide import GuideVersion, GuideVersionSummary, guide_actions
from services.rental.handlers import guide as handlers
from services.rental.store import guide as store
from shared.api.rental import GuideIn, GuideOut, GuideVersionOut, GuideVersionsOut
from shared.http import CurrentActor, IdempotencyKey
from shared.paging import Position, decode_cursor

router = APIRouter(tags=["user guide"])


def _out(guide: GuideVersion, deps: Deps, roles: frozenset[str]) -> GuideOut:
    return in_zone(GuideOut, guide, deps.settings.tz, actions=guide_actions(roles))


def _position(v: GuideVersionSummary) -> Position:
    return Position(v.saved_at, str(v.version))


@router.get("/guide", response_model=GuideOut)
async def current_guide(deps: RentalDeps, actor: CurrentActor) -> GuideOut:
    """The guide users see now: the latest version (404 before the first save)."""
    guide = await store.latest(deps.pool)
    if guide is None:
        raise GuideVersionNotFound("the guide has not been written yet")
    return _out(guide, deps, actor.roles)


@router.put("/guide", response_model=GuideOut)
async def save_guide(
    body: GuideIn, deps: RentalDeps, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> GuideOut:
    """Save a new version; ``based_on`` must be the latest (409 guide_version_conflict). The
    same Idempotency-Key answers the version it saved; with other content, 422
    idempotency_key_reused."""
    saved = await handlers.save(
        deps, body.content, body.based_on, body.note, actor, idempotency_key
    )
    return _out(saved, deps, actor.roles)


@router.get("/guide/versions", response_model=GuideVersionsOut)
async def guide_versions(
    deps: RentalDeps,
    _actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> GuideVersionsOut:
    """Every saved version, newest first."""
    found = await store.versions(deps.pool, numeric_id(decode_cursor(cursor)), limit)
    tz = deps.settings.tz
    return GuideVersionsOut(
        **paged(
            found,
            limit,
            _position,
            lambda v: in_zone(GuideVersionOut, v, tz),
        )
    )


@router.get("/guide/versions/{version}", response_model=GuideOut)
async def guide_version(version: int, deps: RentalDeps, actor: CurrentActor) -> GuideOut:
    guide = await store.version(deps.pool, version)
    if guide is None:
        raise GuideVersionNotFound(f"no guide version {version}")
    return _out(guide, deps, actor.roles)
