"""Answers of the rental API from database rows: phones masked, times in the business zone.

The shapes themselves are declared once, in ``shared/api/rental.py`` (the gateway
documents the same ones).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from services.rental.domain.bike import BikeFacts
from shared.api.rental import (
    BikeOut,
    ExceptionFixOut,
    RentalOrderOut,
    RentalPointOut,
    RentalUserOut,
    UserActionOut,
)
from shared.masking import mask_phone


def local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    return at.astimezone(tz) if at is not None else None


def user_out(row: asyncpg.Record, tz: ZoneInfo) -> RentalUserOut:
    return RentalUserOut(
        user_id=row["user_id"],
        phone=mask_phone(row["phone"]),
        name=row["name"],
        card_type=row["card_type"],
        registered_at=row["registered_at"].astimezone(tz),
        status=row["status"],
        blacklisted=row["blacklisted_at"] is not None,
        blacklisted_at=local(row["blacklisted_at"], tz),
        blacklist_reason=row["blacklist_reason"],
        blacklisted_by=row["blacklisted_by"],
        deleted=row["deleted_at"] is not None,
        deleted_at=local(row["deleted_at"], tz),
        deleted_by=row["deleted_by"],
        delete_reason=row["delete_reason"],
    )


def user_action_out(row: asyncpg.Record, tz: ZoneInfo) -> UserActionOut:
    return UserActionOut(
        action=row["action"],
        reason=row["reason"],
        actor=row["actor"],
        at=row["at"].astimezone(tz),
        old_status=row["old_status"],
        new_status=row["new_status"],
        trip_id=row["trip_id"],
    )


def order_out(row: asyncpg.Record, tz: ZoneInfo) -> RentalOrderOut:
    end = None
    if row["end_point_id"] is not None:
        end = RentalPointOut(
            point_id=row["end_point_id"],
            name=row["end_point_name"],
            latitude=row["end_latitude"],
            longitude=row["end_longitude"],
        )
    return RentalOrderOut(
        trip_id=row["trip_id"],
        user_id=row["user_id"],
        phone=mask_phone(row["phone"]),
        name=row["name"],
        bike_id=row["bike_id"],
        status=row["status"],
        started_at=row["started_at"].astimezone(tz),
        start_point=RentalPointOut(
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


def fix_out(row: asyncpg.Record, tz: ZoneInfo) -> ExceptionFixOut:
    values = dict(row)
    values["at"] = row["at"].astimezone(tz)
    values["reported_end"] = row["reported_end"].astimezone(tz)
    return ExceptionFixOut.model_validate(values)


def bike_out(bike: BikeFacts, tz: ZoneInfo) -> BikeOut:
    return BikeOut(
        bike_id=bike.bike_id,
        status=bike.status.value,
        lock_state=bike.lock_state,
        lock_reported_at=local(bike.lock_reported_at, tz),
        current_trip_id=bike.current_trip_id,
    )
