"""The opaque keyset cursor of the voucher list: the last row's (exchanged_at, code)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from shared.errors import InvalidInput

_VERSION = 1


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: strictly after this (exchanged_at desc, code desc) key."""

    exchanged_at: datetime
    code: str

    def encode(self) -> str:
        raw = json.dumps(
            [_VERSION, self.exchanged_at.isoformat(), self.code], separators=(",", ":")
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            version, at, code = json.loads(base64.urlsafe_b64decode(padded.encode()))
            exchanged_at = datetime.fromisoformat(at)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
            raise InvalidCursor("the cursor is not one this service gave out") from exc
        if version != _VERSION or not isinstance(code, str) or exchanged_at.tzinfo is None:
            raise InvalidCursor("the cursor is not one this service gave out")
        return cls(exchanged_at, code)
