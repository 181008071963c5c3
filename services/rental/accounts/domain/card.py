"""The stored-value card's states and who may move it between them (seed 004: 卡片状态).

Only an active card tops up. A lost card is reported (挂失) and, once found or reissued,
made active again; a frozen card (冻结) is unfrozen; an expired card (过期) is renewed.
Every change names a reason and is recorded.
"""

from __future__ import annotations

from enum import StrEnum

from services.rental.accounts.domain.errors import (
    CardExpired,
    CardFrozen,
    CardReportedLost,
    CardTransitionInvalid,
)
from shared.errors import DomainError, ReasonRequired


class CardState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REPORTED_LOST = "reported_lost"
    FROZEN = "frozen"


CardType = str
CARD_TYPES: tuple[CardType, ...] = ("standard", "student", "senior")

TRANSITIONS: dict[CardState, frozenset[CardState]] = {
    CardState.ACTIVE: frozenset({CardState.FROZEN, CardState.REPORTED_LOST, CardState.EXPIRED}),
    CardState.FROZEN: frozenset({CardState.ACTIVE, CardState.REPORTED_LOST}),
    CardState.REPORTED_LOST: frozenset({CardState.ACTIVE}),
    CardState.EXPIRED: frozenset({CardState.ACTIVE}),
}

_REFUSALS: dict[CardState, type[DomainError]] = {
    CardState.EXPIRED: CardExpired,
    CardState.REPORTED_LOST: CardReportedLost,
    CardState.FROZEN: CardFrozen,
}


def top_up_refusal(state: CardState) -> DomainError | None:
    """Seed 004: 卡片已过期、已挂失或已被冻结 — only an active card is topped up."""
    refusal = _REFUSALS.get(state)
    if refusal is None:
        return None
    return refusal(f"the card is {state.value.replace('_', ' ')}: only an active card tops up")


def check_can_top_up(state: CardState) -> None:
    refusal = top_up_refusal(state)
    if refusal is not None:
        raise refusal


def transition_refusal(current: CardState, wanted: CardState) -> DomainError | None:
    if wanted in TRANSITIONS[current]:
        return None
    return CardTransitionInvalid(
        f"a card that is {current.value} cannot become {wanted.value}"
        f" (it may become: {', '.join(sorted(s.value for s in TRANSITIONS[current]))})"
    )


def transition(current: CardState, wanted: CardState, reason: str | None) -> CardState:
    if not reason or not reason.strip():
        raise ReasonRequired("a card state change needs a reason")
    refusal = transition_refusal(current, wanted)
    if refusal is not None:
        raise refusal
    return wanted
