"""The exception fix of a rental order (DOMAIN.md 2; seed 001, 3.1 用户异常问题处理).

A lock that will not close, a lock fault, a trip the user cannot end: the agent may
end the order at the time the user reports only when the bike's lock last reported
``locked``, or the bike is already rented by someone else. Otherwise nothing is
changed and on-site staff go to the bike. The charge is recomputed by the tariff;
the user becomes idle only if this is the user's latest order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.rental.domain.bike import lock_refusal
from services.rental.domain.errors import InvalidEndTime, OrderNotOpen
from services.rental.domain.model import OPEN, OrderStatus, UserStatus
from services.rental.domain.permissions import role_refusal
from services.rental.domain.tariff import Tariff
from shared.errors import DomainError


@dataclass(frozen=True)
class FixFacts:
    """What the rule looks at, read under lock in one transaction."""

    trip_id: str
    order_status: OrderStatus
    started_at: datetime
    lock_state: str | None
    """The bike's last reported lock state; None when it never reported."""
    bike_rented_by_other: bool
    """The bike's latest trip is another user's, still open."""
    is_users_latest: bool
    user_status: UserStatus


@dataclass(frozen=True)
class FixOutcome:
    ended_at: datetime
    charge_cents: int
    user_status_after: UserStatus


def fix_refusal(facts: FixFacts) -> DomainError | None:
    """Why the fix is not allowed now, or None: the order's ``fixable`` flag and the
    command's refusal both come from here."""
    if facts.order_status not in OPEN:
        return OrderNotOpen(f"order {facts.trip_id} is {facts.order_status.value}: nothing to fix")
    return lock_refusal(facts.lock_state, facts.bike_rented_by_other)


def exception_fix_refusal(facts: FixFacts, roles: frozenset[str]) -> DomainError | None:
    """The whole rule for this caller: their role, then the order and its lock."""
    return role_refusal("exception_fix", roles) or fix_refusal(facts)


def order_actions(facts: FixFacts, roles: frozenset[str]) -> list[str]:
    """What the caller may do on the order now: the fix, if the command would accept it."""
    return ["exception_fix"] if exception_fix_refusal(facts, roles) is None else []


def decide_fix(
    facts: FixFacts,
    reported_end: datetime,
    now: datetime,
    tariff: Tariff,
    *,
    roles: frozenset[str],
) -> FixOutcome:
    refusal = exception_fix_refusal(facts, roles)
    if refusal is not None:
        raise refusal
    if reported_end.tzinfo is None:
        raise InvalidEndTime("the end time needs a time zone")
    if reported_end < facts.started_at:
        raise InvalidEndTime(
            f"the end time {reported_end.isoformat()} is before the trip started"
            f" ({facts.started_at.astimezone(reported_end.tzinfo).isoformat()})"
        )
    if reported_end > now:
        raise InvalidEndTime(f"the end time {reported_end.isoformat()} is in the future")
    return FixOutcome(
        ended_at=reported_end,
        charge_cents=tariff.charge_cents(facts.started_at, reported_end),
        user_status_after=UserStatus.IDLE if facts.is_users_latest else facts.user_status,
    )
