"""Accept or reject feedback and insurance applications; the user is told in-app.

The decision, its record and the notify request commit together, so the user is told
exactly when the decision stands; the dedupe key makes it one message however often
the request is relayed.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.rental.deps import Deps
from services.rental.domain.decisions import Submission, check_decision
from services.rental.domain.errors import ApplicationNotFound, FeedbackNotFound
from services.rental.domain.model import Decision
from services.rental.store import decisions as store
from shared import idempotency
from shared.contracts import NOTIFY_INAPP_REQUESTED, InappRequested
from shared.errors import NotFound
from shared.http import Actor
from shared.idempotency import Command


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    id_column: str
    template_prefix: str
    id_param: str
    not_found: type[NotFound]


FEEDBACK = Kind("feedback", "feedback", "feedback_id", "feedback", "feedback_id", FeedbackNotFound)
INSURANCE = Kind(
    "insurance application",
    "insurance_applications",
    "application_id",
    "insurance",
    "application_id",
    ApplicationNotFound,
)


async def decide(
    deps: Deps,
    kind: Kind,
    item_id: str,
    to: Decision,
    reason: str | None,
    actor: Actor,
    key: str | None = None,
) -> Submission:
    """The same Idempotency-Key answers the decision again (a decision stands once made)
    and tells the user nothing more; with another decision or reason, 422
    ``idempotency_key_reused``."""
    async with deps.unit() as uow:
        conn, now = uow.conn, uow.now()
        command = Command(
            f"{kind.template_prefix}_decision", item_id, {"to": to.value, "reason": reason}
        )
        if key is not None and await idempotency.claim(conn, key, command, item_id) is not None:
            decided = await store.get(conn, kind.table, kind.id_column, item_id)
            assert decided is not None  # submissions are never deleted
            return decided
        submitted = await store.lock(conn, kind.table, kind.id_column, item_id)
        if submitted is None:
            raise kind.not_found(f"no {kind.name} {item_id}")
        why = check_decision(kind.name, item_id, submitted.status, to, reason, actor.roles)
        decided = await store.decide(
            conn, kind.table, kind.id_column, item_id, to.value, actor.username, now, why
        )
        params: dict[str, str | int] = {kind.id_param: item_id}
        if why is not None:
            params["reason"] = why
        await uow.publish(
            NOTIFY_INAPP_REQUESTED,
            InappRequested(
                recipient=submitted.user_id,
                template_id=f"{kind.template_prefix}_{to.value}",
                params=params,
                dedupe_key=f"rental:{kind.template_prefix}:{item_id}:decided",
                requested_by="rental",
            ),
        )
        return decided
