"""Accepting or rejecting feedback and insurance applications: once each, a rejection with a
reason (the user reads it in the app)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.rental.domain.errors import AlreadyDecided
from services.rental.domain.model import Decision, required_reason
from services.rental.domain.permissions import role_refusal
from shared.errors import DomainError

ACTIONS = {Decision.ACCEPTED: "accept", Decision.REJECTED: "reject"}


@dataclass(frozen=True)
class Submission:
    """A user's feedback or insurance application, and the decision on it."""

    id: str
    user_id: str
    trip_id: str | None
    text: str
    """The feedback's words, or the application's description."""
    claimed_cents: int | None
    """What an insurance application claims; none for feedback."""
    at: datetime
    """When it was submitted (feedback) or applied for (insurance)."""
    status: Decision
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


def decision_refusal(
    kind: str, item_id: str, current: Decision, to: Decision, roles: frozenset[str]
) -> DomainError | None:
    """Why deciding ``to`` is refused now, or None (the list's flags and the command ask it)."""
    denied = role_refusal(ACTIONS[to], roles)
    if denied is not None:
        return denied
    if current is not Decision.PENDING:
        return AlreadyDecided(f"{kind} {item_id} is already {current.value}")
    return None


def decision_actions(current: Decision, roles: frozenset[str]) -> list[str]:
    return [
        action
        for to, action in ACTIONS.items()
        if decision_refusal("", "", current, to, roles) is None
    ]


def check_decision(
    kind: str,
    item_id: str,
    current: Decision,
    to: Decision,
    reason: str | None,
    roles: frozenset[str],
) -> str | None:
    """The reason to store (required for a rejection, optional for an acceptance)."""
    refusal = decision_refusal(kind, item_id, current, to, roles)
    if refusal is not None:
        raise refusal
    if to is Decision.REJECTED:
        return required_reason(reason)
    text = (reason or "").strip()
    return required_reason(text) if text else None
