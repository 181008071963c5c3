"""Refunds other services request (deposits, stored value): the ops supervisor's approval.

    awaiting_approval ─approve─▶ paying ─paid─▶ completed    (refund.completed.v1)
          │                        └─retries ran out─▶ payout_failed ─retry─▶ paying
          │                                                  └─give up─▶ rejected
          └─reject─▶ rejected                                 (refund.rejected.v1)

An approval needs the role ops_supervisor, someone other than who asked, the
amount confirmed equal to the amount requested, the business's local time inside
the daily window, and the day's approved amount and count staying within the caps
(the handler holds the day's row locked while it checks, so concurrent approvals
cannot pass the caps together).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import partial
from zoneinfo import ZoneInfo

from services.refund.domain.errors import (
    AlreadyDecided,
    AmountMismatch,
    CapExceeded,
    InvalidForm,
    NotRetryable,
    OutsideWindow,
    OwnForm,
    RoleRequired,
)
from shared.actions import offered
from shared.errors import ReasonRequired

SUPERVISOR = "ops_supervisor"
REJECTIONS = frozenset(
    {"rejected_by_supervisor", "outside_daily_window", "daily_amount_cap", "daily_count_cap"}
)
"""What a supervisor may give as the rejection reason (the contract's RefundRejection)."""


class RequestedState(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    PAYING = "paying"
    PAYOUT_FAILED = "payout_failed"
    COMPLETED = "completed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Policy:
    window_start: time
    window_end: time
    daily_amount_cap_cents: int
    daily_count_cap: int

    def validate(self) -> Policy:
        if not self.window_start < self.window_end:
            raise InvalidForm("the daily window must start before it ends")
        if self.daily_amount_cap_cents < 0 or self.daily_count_cap < 0:
            raise InvalidForm("caps are zero or more")
        return self


@dataclass(frozen=True)
class DayTotals:
    day: date
    approved_cents: int
    approved_count: int


def business_day(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def require_supervisor(roles: frozenset[str]) -> None:
    if SUPERVISOR not in roles:
        raise RoleRequired("requested refunds are decided by an ops_supervisor")


def _awaiting(state: RequestedState) -> None:
    if state is not RequestedState.AWAITING_APPROVAL:
        raise AlreadyDecided(f"this refund is {state.value}")


def approve(
    *,
    state: RequestedState,
    amount_cents: int,
    requested_by: str,
    confirmed_cents: int,
    actor: str,
    roles: frozenset[str],
    policy: Policy,
    totals: DayTotals,
    now: datetime,
    tz: ZoneInfo,
) -> DayTotals:
    """Check every rule of an approval; the day's totals after it."""
    require_supervisor(roles)
    _awaiting(state)
    if actor == requested_by:
        raise OwnForm("you asked for this refund: another supervisor approves it")
    if confirmed_cents != amount_cents:
        raise AmountMismatch(f"the refund is for {amount_cents} cents; approve exactly that amount")
    local = now.astimezone(tz)
    if not policy.window_start <= local.time() < policy.window_end:
        raise OutsideWindow(
            f"requested refunds are approved between {policy.window_start:%H:%M} and"
            f" {policy.window_end:%H:%M} ({tz.key}); it is {local:%H:%M}"
        )
    if totals.approved_count + 1 > policy.daily_count_cap:
        raise CapExceeded(f"today's cap of {policy.daily_count_cap} approved refunds is reached")
    if totals.approved_cents + amount_cents > policy.daily_amount_cap_cents:
        raise CapExceeded(
            f"today's cap of {policy.daily_amount_cap_cents} cents would be passed"
            f" ({totals.approved_cents} approved so far)"
        )
    return DayTotals(totals.day, totals.approved_cents + amount_cents, totals.approved_count + 1)


def reject(*, state: RequestedState, reason: str, actor: str, roles: frozenset[str]) -> None:
    require_supervisor(roles)
    _awaiting(state)
    if reason not in REJECTIONS:
        raise InvalidForm(f"reason must be one of {', '.join(sorted(REJECTIONS))}")
    _ = actor  # any supervisor may refuse, even the one who asked: refusing moves no money


def retry_payout(*, state: RequestedState, roles: frozenset[str]) -> None:
    require_supervisor(roles)
    if state is not RequestedState.PAYOUT_FAILED:
        raise NotRetryable(f"only a failed payout is retried; this refund is {state.value}")


def give_up(*, state: RequestedState, roles: frozenset[str], note: str) -> None:
    """Stop trying a failed payout: the requester is told (payout_failed) and keeps the money."""
    retry_payout(state=state, roles=roles)
    if not note.strip():
        raise ReasonRequired("giving a payout up needs a reason")


ACTIONS = ("approve", "reject", "payout_retry", "give_up")


@dataclass(frozen=True)
class Today:
    """What an approval is checked against right now: the policy and the day's totals."""

    policy: Policy
    totals: DayTotals
    now: datetime
    tz: ZoneInfo


def actions(
    *,
    state: RequestedState,
    amount_cents: int,
    requested_by: str,
    actor: str,
    roles: frozenset[str],
    today: Today,
) -> list[str]:
    """What this caller may do to a requested refund now: each flag is its command's rule
    (approve for exactly the amount asked, inside today's window and caps)."""
    return offered(
        {
            "approve": partial(
                approve,
                state=state,
                amount_cents=amount_cents,
                requested_by=requested_by,
                confirmed_cents=amount_cents,
                actor=actor,
                roles=roles,
                policy=today.policy,
                totals=today.totals,
                now=today.now,
                tz=today.tz,
            ),
            "reject": partial(
                reject, state=state, reason="rejected_by_supervisor", actor=actor, roles=roles
            ),
            "payout_retry": partial(retry_payout, state=state, roles=roles),
            "give_up": partial(give_up, state=state, roles=roles, note="-"),
        }
    )
