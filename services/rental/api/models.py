"""Answers of the rental API from what the stores read: phones masked, times in the business zone.

The shapes themselves are declared once, in ``shared/api/rental.py`` (the gateway
documents the same ones).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from services.rental.domain.bike import BikeFacts
from services.rental.domain.trips import ExceptionFix, Order
from services.rental.domain.users import RentalUser, UserRecord
from shared.api.rental import (
    BikeOut,
    ExceptionFixOut,
    RentalOrderOut,
    RentalPointOut,
    RentalUserOut,
    UserActionOut,
)
from shared.masking import mask_phone

M = TypeVar("M", bound=BaseModel)


def local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    return at.astimezone(tz) if at is not None else None


def in_zone(model: type[M], item: Any, tz: ZoneInfo, **extra: Any) -> M:
    """The answer ``model`` from the stored dataclass ``item`` that says the same field by
    field, its times in the business zone; ``extra`` for what only the answer holds (the
    caller's actions). One declaration of the fields each, the dataclass's and the API's."""
    values = {k: local(v, tz) if isinstance(v, datetime) else v for k, v in asdict(item).items()}
    return model.model_validate(values | extra)


def user_out(user: RentalUser, tz: ZoneInfo) -> RentalUserOut:
    return RentalUserOut(
        user_id=user.user_id,
        phone=mask_phone(user.phone),
        name=user.name,
        card_type=user.card_type,
        registered_at=user.registered_at.astimezone(tz),
        status=user.status,
        blacklisted=user.blacklisted_at is not None,
        blacklisted_at=local(user.blacklisted_at, tz),
        blacklist_reason=user.blacklist_reason,
        blacklisted_by=user.blacklisted_by,
        deleted=user.deleted_at is not None,
        deleted_at=local(user.deleted_at, tz),
        deleted_by=user.deleted_by,
        delete_reason=user.delete_reason,
    )


def user_action_out(record: UserRecord, tz: ZoneInfo) -> UserActionOut:
    return in_zone(UserActionOut, record, tz)


def order_out(row: Order, tz: ZoneInfo) -> RentalOrderOut:
    end = None
    if row.end_point_id is not None:
        end = RentalPointOut(
            point_id=row.end_point_id,
            name=row.end_point_name,
            latitude=row.end_latitude,
            longitude=row.end_longitude,
        )
    return RentalOrderOut(
        trip_id=row.trip_id,
        user_id=row.user_id,
        phone=mask_phone(row.phone),
        name=row.name,
        bike_id=row.bike_id,
        status=row.status,
        started_at=row.started_at.astimezone(tz),
        start_point=RentalPointOut(
            point_id=row.start_point_id,
            name=row.start_point_name,
            latitude=row.start_latitude,
            longitude=row.start_longitude,
        ),
        ended_at=local(row.ended_at, tz),
        end_point=end,
        charge_cents=row.charge_cents,
        fixed_at=local(row.fixed_at, tz),
    )


def fix_out(row: ExceptionFix, tz: ZoneInfo) -> ExceptionFixOut:
    return in_zone(ExceptionFixOut, row, tz)


def bike_out(bike: BikeFacts, tz: ZoneInfo) -> BikeOut:
    return BikeOut(
        bike_id=bike.bike_id,
        status=bike.status.value,
        lock_state=bike.lock_state,
        lock_reported_at=local(bike.lock_reported_at, tz),
        current_trip_id=bike.current_trip_id,
    )
