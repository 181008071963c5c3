"""Feedback (反馈列表) and insurance applications (保险申请列表): list, detail, decide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.rental.api.common import Cursor, Limit, RentalDeps, paged
from services.rental.api.models import in_zone
from services.rental.deps import Deps
from services.rental.domain.decisions import Submission, decision_actions
from services.rental.domain.model import Decision
from services.rental.handlers.decisions import FEEDBACK, INSURANCE, Kind, decide
from services.rental.store import decisions as store
from shared.api.rental import DecisionOut, DecisionPageOut, RentalReasonIn
from shared.http import Actor, CurrentActor, IdempotencyKey
from shared.paging import Position, decode_cursor

router = APIRouter(tags=["feedback and insurance"])
StatusFilter = Annotated[Decision | None, Query(description="pending, accepted or rejected")]


def _out(s: Submission, deps: Deps, roles: frozenset[str]) -> DecisionOut:
    return in_zone(DecisionOut, s, deps.settings.tz, actions=decision_actions(s.status, roles))


def _position(s: Submission) -> Position:
    return Position(s.at, s.id)


async def _page(
    kind: Kind,
    deps: Deps,
    actor: Actor,
    status: Decision | None,
    user_id: str | None,
    limit: int,
    cursor: str | None,
) -> DecisionPageOut:
    found = await store.page(
        deps.pool,
        kind.table,
        kind.id_column,
        status=status.value if status else None,
        user_id=user_id,
        after=decode_cursor(cursor),
        limit=limit,
    )
    return DecisionPageOut(**paged(found, limit, _position, lambda s: _out(s, deps, actor.roles)))


async def _one(kind: Kind, deps: Deps, actor: Actor, item_id: str) -> DecisionOut:
    found = await store.get(deps.pool, kind.table, kind.id_column, item_id)
    if found is None:
        raise kind.not_found(f"no {kind.name} {item_id}")
    return _out(found, deps, actor.roles)


@router.get("/feedback", response_model=DecisionPageOut)
async def list_feedback(
    deps: RentalDeps,
    actor: CurrentActor,
    status: StatusFilter = None,
    user_id: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DecisionPageOut:
    """Feedback, newest first."""
    return await _page(FEEDBACK, deps, actor, status, user_id, limit, cursor)


@router.get("/feedback/{feedback_id}", response_model=DecisionOut)
async def feedback_detail(feedback_id: str, deps: RentalDeps, actor: CurrentActor) -> DecisionOut:
    return await _one(FEEDBACK, deps, actor, feedback_id)


@router.post("/feedback/{feedback_id}/accept", response_model=DecisionOut)
async def accept_feedback(
    feedback_id: str,
    body: RentalReasonIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> DecisionOut:
    """Accept (the reason is optional); the user is told in-app."""
    decided = await decide(
        deps, FEEDBACK, feedback_id, Decision.ACCEPTED, body.reason, actor, idempotency_key
    )
    return _out(decided, deps, actor.roles)


@router.post("/feedback/{feedback_id}/reject", response_model=DecisionOut)
async def reject_feedback(
    feedback_id: str,
    body: RentalReasonIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> DecisionOut:
    """Reject with a reason (required): the user reads it in-app."""
    decided = await decide(
        deps, FEEDBACK, feedback_id, Decision.REJECTED, body.reason, actor, idempotency_key
    )
    return _out(decided, deps, actor.roles)


@router.get("/insurance-applications", response_model=DecisionPageOut)
async def list_applications(
    deps: RentalDeps,
    actor: CurrentActor,
    status: StatusFilter = None,
    user_id: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DecisionPageOut:
    """Insurance applications, newest first."""
    return await _page(INSURANCE, deps, actor, status, user_id, limit, cursor)


@router.get("/insurance-applications/{application_id}", response_model=DecisionOut)
async def application_detail(
    application_id: str, deps: RentalDeps, actor: CurrentActor
) -> DecisionOut:
    return await _one(INSURANCE, deps, actor, application_id)


@router.post("/insurance-applications/{application_id}/accept", response_model=DecisionOut)
async def accept_application(
    application_id: str,
    body: RentalReasonIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> DecisionOut:
    decided = await decide(
        deps, INSURANCE, application_id, Decision.ACCEPTED, body.reason, actor, idempotency_key
    )
    return _out(decided, deps, actor.roles)


@router.post("/insurance-applications/{application_id}/reject", response_model=DecisionOut)
async def reject_application(
    application_id: str,
    body: RentalReasonIn,
    deps: RentalDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> DecisionOut:
    decided = await decide(
        deps, INSURANCE, application_id, Decision.REJECTED, body.reason, actor, idempotency_key
    )
    return _out(decided, deps, actor.roles)
