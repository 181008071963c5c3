"""The one time-zone rule on the wire.

- HTTP answers: every timestamp is RFC 3339 with the business zone's offset
  (``KEFU_TIMEZONE``, ``2026-11-23T20:18:00+08:00``): what an agent reads is the
  local time, and two fields of one answer never disagree on the zone.
- Events (Kafka payloads and the ``ce_time`` header): UTC (``...Z``), whoever publishes.

Requests may carry any offset. The rule is applied where a value is written out, by the
two types below, not by each handler: a store may hand back UTC from PostgreSQL and the
answer is still local.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, PlainSerializer, WithJsonSchema

DEFAULT_ZONE = "Asia/Shanghai"
_business_zone = ZoneInfo(DEFAULT_ZONE)


def utc_now() -> datetime:
    """The clock every service reads (aware, UTC); tests hand a service a movable one."""
    return datetime.now(UTC)


def use_business_zone(zone: ZoneInfo) -> None:
    """Answer in ``zone`` from now on. One process serves one business, so this is set
    once when a service starts (``shared.platform.Platform``)."""
    global _business_zone
    _business_zone = zone


def local(at: datetime) -> datetime:
    """``at`` in the business zone; a naive time is a bug, not a guess."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: every time is timezone-aware")
    return at.astimezone(_business_zone)


def utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: every time is timezone-aware")
    return at.astimezone(UTC)


def utc_text(at: datetime) -> str:
    """``at`` as RFC 3339 in UTC, as pydantic writes it (``...Z``): for message headers."""
    return utc(at).isoformat().replace("+00:00", "Z")


Timestamp = Annotated[
    AwareDatetime,
    PlainSerializer(local, return_type=datetime),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 in the business time zone (KEFU_TIMEZONE)",
            "examples": ["2026-11-23T20:18:00+08:00"],
            "x-kefu-time-zone": "KEFU_TIMEZONE",
        }
    ),
]
"""A time in an HTTP answer: written with the business zone's offset."""

UtcTimestamp = Annotated[
    AwareDatetime,
    PlainSerializer(utc, return_type=datetime),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339; Kefu publishes UTC (Z) and accepts any offset",
            "examples": ["2026-11-23T12:18:00Z"],
            "x-kefu-time-zone": "UTC",
        }
    ),
]
"""A time in an event payload: published in UTC."""
