"""Answer and request shapes of the rental API. Phones are masked; times in the business zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
from pydantic import BaseModel, Field

from services.rental.domain.model import Decision, OrderStatus, UserStatus
from shared.masking import mask_phone


def local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    return at.astimezone(tz) if at is not None else None


class ReasonIn(BaseModel):
    reason: str | None = Field(
        default=None,
        description="Why (操作原因); required: without one nothing changes (reason_required).",
        examples=["Rode with a fake ID, ticket 20261123-0042"],
    )


class UserOut(BaseModel):
    user_id: str
    phone: str
    """Masked: 138****8000."""
    name: str
    card_type: str
    registered_at: datetime
    status: UserStatus
    blacklisted: bool
    blacklisted_at: datetime | None
    blacklist_reason: str | None
    blacklisted_by: str | None
    deleted: bool
    deleted_at: datetime | None
    deleted_by: str | None
    delete_reason: str | None

    @classmethod
    def of(cls, row: asyncpg.Record, tz: ZoneInfo) -> UserOut:
        return cls(
            user_id=row["user_id"],
            phone=mask_phone(row["phone"]),
            name=row["name"],
            card_type=row["card_type"],
            registered_at=row["registered_at"].astimezone(tz),
            status=UserStatus(row["status"]),
            blacklisted=row["blacklisted_at"] is not None,
            blacklisted_at=local(row["blacklisted_at"], tz),
            blacklist_reason=row["blacklist_reason"],
            blacklisted_by=row["blacklisted_by"],
            deleted=row["deleted_at"] is not None,
            deleted_at=local(row["deleted_at"], tz),
            deleted_by=row["deleted_by"],
            delete_reason=row["delete_reason"],
        )


class UserPage(BaseModel):
    items: list[UserOut]
    """Newest registration first."""
    next_cursor: str | None


class UserActionOut(BaseModel):
    action: str
    reason: str
    actor: str
    at: datetime
    old_status: str | None
    new_status: str | None
    trip_id: str | None

    @classmethod
    def of(cls, row: asyncpg.Record, tz: ZoneInfo) -> UserActionOut:
        return cls(
            action=row["action"],
            reason=row["reason"],
            actor=row["actor"],
            at=row["at"].astimezone(tz),
            old_status=row["old_status"],
            new_status=row["new_status"],
            trip_id=row["trip_id"],
        )


class PointOut(BaseModel):
    point_id: str
    name: str
    latitude: Decimal
    longitude: Decimal


class OrderOut(BaseModel):
    trip_id: str
    user_id: str
    phone: str
    """Masked."""
    name: str
    bike_id: str
    status: OrderStatus
    started_at: datetime
    start_point: PointOut
    ended_at: datetime | None
    end_point: PointOut | None
    """The rental point the bike was returned to; none for a temporary return."""
    charge_cents: int | None
    fixed_at: datetime | None
    """When an agent ended it by the exception fix."""

    @classmethod
    def of(cls, row: asyncpg.Record, tz: ZoneInfo) -> OrderOut:
        end = None
        if row["end_point_id"] is not None:
            end = PointOut(
                point_id=row["end_point_id"],
                name=row["end_point_name"],
                latitude=row["end_latitude"],
                longitude=row["end_longitude"],
            )
        return cls(
            trip_id=row["trip_id"],
            user_id=row["user_id"],
            phone=mask_phone(row["phone"]),
            name=row["name"],
            bike_id=row["bike_id"],
            status=OrderStatus(row["status"]),
            started_at=row["started_at"].astimezone(tz),
            start_point=PointOut(
                point_id=row["start_point_id"],
                name=row["start_point_name"],
                latitude=row["start_latitude"],
                longitude=row["start_longitude"],
            ),
            ended_at=local(row["ended_at"], tz),
            end_point=end,
            charge_cents=row["charge_cents"],
            fixed_at=local(row["fixed_at"], tz),
        )


class OrderPage(BaseModel):
    items: list[OrderOut]
    """Newest start first."""
    next_cursor: str | None


class ExceptionFixOut(BaseModel):
    id: int
    trip_id: str
    actor: str
    reason: str
    at: datetime
    reported_end: datetime
    lock_state: str | None
    bike_rented_by_other: bool
    old_status: str
    old_charge_cents: int | None
    new_charge_cents: int
    user_status_before: str
    user_status_after: str

    @classmethod
    def of(cls, row: asyncpg.Record, tz: ZoneInfo) -> ExceptionFixOut:
        values = dict(row)
        values["at"] = row["at"].astimezone(tz)
        values["reported_end"] = row["reported_end"].astimezone(tz)
        return cls.model_validate(values)


class BikeOut(BaseModel):
    bike_id: str
    status: str
    """rented or idle: rented while its latest trip is open."""
    lock_state: str | None
    """The last state its lock reported (locked, unlocked, fault); none if it never did."""
    lock_reported_at: datetime | None
    current_trip_id: str | None


class OrderDetail(OrderOut):
    bike: BikeOut
    is_users_latest: bool
    """Only on the user's latest order may the user's status be changed."""
    user_status: UserStatus
    fixable: bool
    """The exception fix would be allowed now (open order; lock locked or bike re-rented)."""
    fixes: list[ExceptionFixOut]


class FixIn(BaseModel):
    ended_at: datetime = Field(
        description="The end time the user reports (with its time zone).",
        examples=["2026-11-23T20:18:00+08:00"],
    )
    reason: str | None = Field(
        default=None,
        description="Why (操作原因): the lock fault the user reported; required.",
        examples=["Lock will not close at point 12; user called at 20:25"],
    )


class StatusFixIn(BaseModel):
    trip_id: str = Field(description="The user's latest order, which the fix is about.")
    status: UserStatus
    reason: str | None = None


class DecisionOut(BaseModel):
    id: str
    user_id: str
    trip_id: str | None
    text: str
    """The feedback's content or the application's description."""
    claimed_cents: int | None = None
    at: datetime
    """When the user submitted it."""
    status: Decision
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


class DecisionPage(BaseModel):
    items: list[DecisionOut]
    next_cursor: str | None


class GuideOut(BaseModel):
    version: int
    content: str
    note: str | None
    saved_by: str
    saved_at: datetime


class GuideVersionOut(BaseModel):
    version: int
    note: str | None
    saved_by: str
    saved_at: datetime
    length: int


class GuideVersions(BaseModel):
    items: list[GuideVersionOut]
    """Newest first."""
    next_cursor: int | None
    """Pass as ``before`` for the next page."""


class GuideIn(BaseModel):
    content: str = Field(min_length=1, max_length=50_000)
    based_on: int | None = Field(
        default=None,
        description="The version this edit started from (none for the first): a save on an"
        " older one is refused (guide_version_conflict).",
    )
    note: str | None = Field(default=None, max_length=200)


class DayOut(BaseModel):
    day: date
    rentals: int
    """Trips started that day (租借信息)."""
    returns: int
    """Trips ended that day (还车信息)."""
    new_users: int
    """Users registered that day (用户统计)."""


class DailyStatistics(BaseModel):
    time_zone: str
    days: list[DayOut]
    total_rentals: int
    total_returns: int
    total_new_users: int
