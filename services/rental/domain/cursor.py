"""Keyset cursors of the rental lists: newest first by (time, id); the next page below the last."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from services.rental.domain.errors import InvalidCursor

MAX_LIMIT = 200


@dataclass(frozen=True)
class Position:
    at: datetime
    id: str


def encode(position: Position) -> str:
    raw = json.dumps(["v1", position.at.isoformat(), position.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str | None) -> Position | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode())
        version, at, key = json.loads(raw)
        position = Position(datetime.fromisoformat(at), str(key))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidCursor("the cursor is not one this service gave out") from exc
    if version != "v1" or position.at.tzinfo is None:
        raise InvalidCursor("the cursor is not one this service gave out")
    return position


def next_cursor(positions: list[Position], limit: int) -> str | None:
    """A cursor when more rows follow (the query fetched one beyond the page), else None."""
    return encode(positions[limit - 1]) if len(positions) > limit else None
