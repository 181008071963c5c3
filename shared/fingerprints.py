"""A fingerprint: a digest of what a request or a command asks, the same for the same ask.

The content is written as canonical JSON (keys sorted, no spacing, text as it is, times
in UTC) before it is hashed, so key order, spacing or a time's offset never make two
asks differ. Pure: the gateway's domain and every service's key path use it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)  # a Decimal, a UUID, a date: its own exact text


def fingerprint_of(value: Any) -> str:
    """The sha256 of ``value``'s canonical JSON, in hex."""
    canonical = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
