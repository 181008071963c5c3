"""Rules of the agent's commands on a user: blacklist, restore, delete, undelete, status fix.

Each rule is a ``*_refusal`` function: why the command is not allowed now, or None. The
command raises that refusal; the user's ``actions`` flags offer exactly the commands
whose refusal is None, so what is offered is what the service accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.rental.domain.bike import lock_refusal
from services.rental.domain.errors import (
    AlreadyBlacklisted,
    NotBlacklisted,
    NotLatestOrder,
    UserDeleted,
    UserNotDeleted,
    UserRenting,
)
from services.rental.domain.model import OPEN, OrderStatus, UserStatus
from services.rental.domain.permissions import role_refusal
from shared.errors import DomainError


@dataclass(frozen=True)
class UserState:
    user_id: str
    status: UserStatus
    blacklisted_at: datetime | None
    deleted_at: datetime | None


@dataclass(frozen=True)
class RentalUser:
    """A user as the back office keeps them (the platform's registration, the agents' marks)."""

    user_id: str
    phone: str
    """In full: masked wherever it is shown."""
    name: str
    card_type: str
    registered_at: datetime
    status: UserStatus
    blacklisted_at: datetime | None
    blacklist_reason: str | None
    blacklisted_by: str | None
    deleted_at: datetime | None
    deleted_by: str | None
    delete_reason: str | None

    @property
    def state(self) -> UserState:
        """What the rules of the agent's commands look at."""
        return UserState(self.user_id, self.status, self.blacklisted_at, self.deleted_at)


@dataclass(frozen=True)
class UserRecord:
    """An agent's command on a user, as recorded (newest first in the user's detail)."""

    action: str
    reason: str
    actor: str
    at: datetime
    old_status: str | None
    new_status: str | None
    trip_id: str | None


@dataclass(frozen=True)
class LatestOrder:
    """The user's latest order and its bike, as the status fix looks at them."""

    trip_id: str
    status: OrderStatus
    lock_state: str | None
    bike_rented_by_other: bool


def blacklist_refusal(user: UserState) -> DomainError | None:
    if user.blacklisted_at is not None and user.deleted_at is None:
        return AlreadyBlacklisted(f"user {user.user_id} is already on the blacklist")
    return _deleted(user)


def restore_from_blacklist_refusal(user: UserState) -> DomainError | None:
    if user.blacklisted_at is None and user.deleted_at is None:
        return NotBlacklisted(f"user {user.user_id} is not on the blacklist")
    return _deleted(user)


def delete_refusal(user: UserState) -> DomainError | None:
    if user.deleted_at is None and user.status is not UserStatus.IDLE:
        return UserRenting(
            f"user {user.user_id} is {user.status.value}: end or fix the rental before deleting"
        )
    return _deleted(user)


def undelete_refusal(user: UserState) -> DomainError | None:
    if user.deleted_at is None:
        return UserNotDeleted(f"user {user.user_id} is not deleted")
    return None


def status_fix_refusal(
    user: UserState, trip_id: str | None, latest: LatestOrder | None
) -> DomainError | None:
    """Seed 001: 确保该租赁订单为用户最后一条订单,再修改用户状态; and while that order is
    open, the same lock guard as the exception fix (3.1 step 4): if the lock is not
    locked the agent changes nothing."""
    deleted = _deleted(user)
    if deleted is not None:
        return deleted
    if latest is None or trip_id != latest.trip_id:
        return NotLatestOrder(
            f"order {trip_id} is not user {user.user_id}'s latest order"
            f" ({latest.trip_id if latest else 'none'}): the user's status is left as it is"
        )
    if latest.status in OPEN:
        return lock_refusal(latest.lock_state, latest.bike_rented_by_other)
    return None


USER_ACTIONS = ("status_fix", "blacklist", "restore_from_blacklist", "delete", "restore")


def user_refusal(
    action: str,
    roles: frozenset[str],
    user: UserState,
    latest: LatestOrder | None,
    trip_id: str | None = None,
) -> DomainError | None:
    """Why ``action`` is refused to these roles on this user now, or None: the command asks
    this, and the user's ``actions`` offer exactly what it allows. A status fix names
    ``trip_id`` (the flag asks about the latest order)."""
    denied = role_refusal(action, roles)
    if denied is not None:
        return denied
    if action == "status_fix":
        named = trip_id if trip_id is not None else (latest.trip_id if latest else None)
        return status_fix_refusal(user, named, latest)
    rules = {
        "blacklist": blacklist_refusal,
        "restore_from_blacklist": restore_from_blacklist_refusal,
        "delete": delete_refusal,
        "restore": undelete_refusal,
    }
    return rules[action](user)


def user_actions(roles: frozenset[str], user: UserState, latest: LatestOrder | None) -> list[str]:
    return [a for a in USER_ACTIONS if user_refusal(a, roles, user, latest) is None]


def check(refusal: DomainError | None) -> None:
    """Raise the refusal, if there is one."""
    if refusal is not None:
        raise refusal


def _deleted(user: UserState) -> UserDeleted | None:
    if user.deleted_at is not None:
        return UserDeleted(f"user {user.user_id} is deleted: restore the user first")
    return None
