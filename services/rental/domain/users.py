"""Rules of the agent's commands on a user: blacklist, restore, delete, undelete, status fix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.rental.domain.errors import (
    AlreadyBlacklisted,
    NotBlacklisted,
    NotLatestOrder,
    UserDeleted,
    UserNotDeleted,
    UserRenting,
)
from services.rental.domain.model import UserStatus


@dataclass(frozen=True)
class UserState:
    user_id: str
    status: UserStatus
    blacklisted_at: datetime | None
    deleted_at: datetime | None


def check_blacklist(user: UserState) -> None:
    _not_deleted(user)
    if user.blacklisted_at is not None:
        raise AlreadyBlacklisted(f"user {user.user_id} is already on the blacklist")


def check_restore_from_blacklist(user: UserState) -> None:
    _not_deleted(user)
    if user.blacklisted_at is None:
        raise NotBlacklisted(f"user {user.user_id} is not on the blacklist")


def check_delete(user: UserState) -> None:
    _not_deleted(user)
    if user.status is not UserStatus.IDLE:
        raise UserRenting(
            f"user {user.user_id} is {user.status.value}: end or fix the rental before deleting"
        )


def check_undelete(user: UserState) -> None:
    if user.deleted_at is None:
        raise UserNotDeleted(f"user {user.user_id} is not deleted")


def check_status_fix(user: UserState, trip_id: str, latest_trip_id: str | None) -> None:
    """Seed 001: 确保该租赁订单为用户最后一条订单,再修改用户状态."""
    _not_deleted(user)
    if latest_trip_id != trip_id:
        raise NotLatestOrder(
            f"order {trip_id} is not user {user.user_id}'s latest order"
            f" ({latest_trip_id or 'none'}): the user's status is left as it is"
        )


def _not_deleted(user: UserState) -> None:
    if user.deleted_at is not None:
        raise UserDeleted(f"user {user.user_id} is deleted: restore the user first")
