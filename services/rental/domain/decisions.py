"""Accepting or rejecting feedback and insurance applications: once each, a rejection with a
reason (the user reads it in the app)."""

from __future__ import annotations

from services.rental.domain.errors import AlreadyDecided
from services.rental.domain.model import Decision, required_reason


def check_decision(
    kind: str, item_id: str, current: Decision, to: Decision, reason: str | None
) -> str | None:
    """The reason to store (required for a rejection, optional for an acceptance)."""
    if current is not Decision.PENDING:
        raise AlreadyDecided(f"{kind} {item_id} is already {current.value}")
    if to is Decision.REJECTED:
        return required_reason(reason)
    text = (reason or "").strip()
    return required_reason(text) if text else None
