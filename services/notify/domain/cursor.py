"""The keyset cursor of the notify lists: newest first by id, the next page below the last id."""

from __future__ import annotations

import base64
import binascii

from services.notify.domain.errors import InvalidCursor

MAX_LIMIT = 200


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode(token: str | None) -> int | None:
    if token is None or token == "":
        return None
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        version, _, value = raw.partition(":")
        last_id = int(value)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("the cursor is not one this service gave out") from exc
    if version != "v1" or last_id < 1:
        raise InvalidCursor("the cursor is not one this service gave out")
    return last_id


def next_cursor(ids: list[int], limit: int) -> str | None:
    """A cursor when the page is full (there may be more), else None."""
    return encode(ids[-1]) if ids and len(ids) == limit else None
