"""The rental service's HTTP bodies and answers: users and the blacklist, rental orders and
the exception fix, feedback and insurance decisions, the user guide, daily statistics.

Phones are masked; times are in the business's time zone. The rental service validates
and answers with these; the gateway declares them for its OpenAPI document and passes
the service's JSON on as it came. (Accounts and stored value: ``rental_accounts``.)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from shared.api.base import ApiModel, BodyModel
from shared.paging import PageOut
from shared.timestamps import Timestamp

UserStatus = Literal["renting", "temporarily_returned", "idle"]
OrderStatus = Literal["renting", "temporarily_returned", "ended"]
DecisionStatus = Literal["pending", "accepted", "rejected"]
UserAction = Literal["status_fix", "blacklist", "restore_from_blacklist", "delete", "restore"]
OrderAction = Literal["exception_fix"]
DecisionAction = Literal["accept", "reject"]


# --- bodies ------------------------------------------------------------------


class RentalReasonIn(BodyModel):
    reason: str | None = Field(
        default=None,
        description="Why (操作原因); required where the rule says so: without one nothing"
        " changes (reason_required).",
        examples=["Rode with another person's ID, ticket 20261123-0042"],
    )


class StatusFixIn(BodyModel):
    trip_id: str = Field(description="The user's latest order (else 409 not_latest_order)")
    status: UserStatus
    reason: str | None = Field(
        default=None,
        description="Why; required (reason_required)",
        examples=["Trip stuck after the lock closed; user called"],
    )


class ExceptionFixIn(BodyModel):
    ended_at: datetime = Field(
        description="The end time the user reports, with its time zone",
        examples=["2026-11-23T20:18:00+08:00"],
    )
    reason: str | None = Field(
        default=None,
        description="Why (操作原因): the lock fault the user reported; required (reason_required).",
        examples=["Lock will not close at point 12; user called at 20:25"],
    )


class GuideIn(BodyModel):
    content: str = Field(min_length=1, max_length=50_000)
    based_on: int | None = Field(
        default=None,
        description="The version this edit started from (none for the first): a save on an"
        " older one is refused (409 guide_version_conflict).",
    )
    note: str | None = Field(default=None, max_length=200)


# --- answers -----------------------------------------------------------------


class RentalUserOut(ApiModel):
    user_id: str
    phone: str = Field(description="Masked: 138****8000")
    name: str
    card_type: str
    registered_at: Timestamp
    status: UserStatus
    blacklisted: bool
    blacklisted_at: Timestamp | None
    blacklist_reason: str | None
    blacklisted_by: str | None
    deleted: bool
    deleted_at: Timestamp | None
    deleted_by: str | None
    delete_reason: str | None


class RentalUserPageOut(PageOut):
    items: list[RentalUserOut] = Field(description="Newest registration first")


class UserActionOut(ApiModel):
    action: str
    reason: str
    actor: str
    at: Timestamp
    old_status: str | None
    new_status: str | None
    trip_id: str | None


class RentalPointOut(ApiModel):
    point_id: str
    name: str
    latitude: Decimal
    longitude: Decimal


class RentalOrderOut(ApiModel):
    trip_id: str
    user_id: str
    phone: str = Field(description="Masked")
    name: str
    bike_id: str
    status: OrderStatus
    started_at: Timestamp
    start_point: RentalPointOut
    ended_at: Timestamp | None
    end_point: RentalPointOut | None = Field(
        description="The rental point the bike was returned to; none for a temporary return"
    )
    charge_cents: int | None
    fixed_at: Timestamp | None = Field(description="When an agent ended it by the exception fix")


class RentalOrderPageOut(PageOut):
    items: list[RentalOrderOut] = Field(description="Newest start first")


class RentalUserDetailOut(RentalUserOut):
    latest_order: RentalOrderOut | None
    records: list[UserActionOut] = Field(
        description="Blacklist, restore, delete and status-fix records, newest first"
    )
    actions: list[UserAction] = Field(
        description="The commands the caller may run on this user now (their roles, the"
        " user's state, the latest order and its bike's lock): each offered one is accepted,"
        " any other refused. status_fix names the latest order.",
        examples=[["status_fix", "blacklist"]],
    )


class ExceptionFixOut(ApiModel):
    id: int
    trip_id: str
    actor: str
    reason: str
    at: Timestamp
    reported_end: Timestamp
    lock_state: str | None
    bike_rented_by_other: bool
    old_status: str
    old_charge_cents: int | None
    new_charge_cents: int
    user_status_before: UserStatus
    user_status_after: UserStatus


class BikeOut(ApiModel):
    bike_id: str
    status: Literal["rented", "idle"] = Field(description="Rented while its latest trip is open")
    lock_state: Literal["locked", "unlocked", "fault"] | None = Field(
        description="The last state its lock reported; none if it never did"
    )
    lock_reported_at: Timestamp | None
    current_trip_id: str | None


class BikeDetailOut(BikeOut):
    """A bike looked up by its number: its lock, and the order that holds it now."""

    current_order: RentalOrderOut | None = Field(
        description="The open order (renting or temporarily returned) holding the bike now"
    )
    latest_order: RentalOrderOut | None = Field(description="Its latest order, open or not")


class RentalOrderDetailOut(RentalOrderOut):
    bike: BikeOut
    is_users_latest: bool = Field(
        description="Only on the user's latest order may the user's status be changed"
    )
    user_status: UserStatus
    fixable: bool = Field(
        description="The exception fix would be allowed now (open order; lock locked or"
        " bike re-rented)"
    )
    fixes: list[ExceptionFixOut]
    actions: list[OrderAction] = Field(
        description="exception_fix when the caller's role and the order's state allow it now"
    )


class DecisionOut(ApiModel):
    id: str
    user_id: str
    trip_id: str | None
    text: str = Field(description="The feedback's content or the application's description")
    claimed_cents: int | None = None
    at: Timestamp = Field(description="When the user submitted it")
    status: DecisionStatus
    decided_by: str | None
    decided_at: Timestamp | None
    decision_reason: str | None
    actions: list[DecisionAction] = Field(
        description="accept / reject while pending, for the roles that decide"
    )


class DecisionPageOut(PageOut):
    items: list[DecisionOut] = Field(description="Newest first")


class GuideOut(ApiModel):
    version: int
    content: str
    note: str | None
    saved_by: str
    saved_at: Timestamp
    actions: list[Literal["edit"]] = Field(
        description="edit for the roles that save the guide (duty leads, ops supervisors)"
    )


class GuideVersionOut(ApiModel):
    version: int
    note: str | None
    saved_by: str
    saved_at: Timestamp
    length: int


class GuideVersionsOut(PageOut):
    items: list[GuideVersionOut] = Field(description="Newest first")


class DayOut(ApiModel):
    day: date
    rentals: int = Field(description="Trips started that day (租借信息)")
    returns: int = Field(
        description="Bikes finally returned that day (还车信息), by the final return's time; a"
        " temporary return (临时还车, the user keeps the bike) is not counted"
    )
    new_users: int = Field(description="Users registered that day (用户统计)")


class DailyStatisticsOut(ApiModel):
    time_zone: str
    days: list[DayOut]
    total_rentals: int
    total_returns: int
    total_new_users: int
