"""CloudEvents Kafka binding, binary mode: attributes in ``ce_*`` headers, JSON value."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.timestamps import utc_text

KafkaHeaders = Sequence[tuple[str, bytes]]
SPEC_VERSION = "1.0"


@dataclass(frozen=True)
class EventMeta:
    id: str
    type: str
    source: str
    time: str | None
    traceparent: str | None

    @property
    def carrier(self) -> dict[str, str]:
        return {"traceparent": self.traceparent} if self.traceparent else {}


class InvalidHeaders(ValueError):
    """A message without the CloudEvents attributes we need to process it once."""


def make_headers(
    *,
    ce_type: str,
    source: str,
    ce_id: str | None = None,
    time: datetime | None = None,
    traceparent: str | None = None,
) -> dict[str, str]:
    headers = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": ce_id or str(uuid.uuid4()),
        "ce_source": source,
        "ce_type": ce_type,
        "ce_time": utc_text(time or datetime.now(UTC)),
        "content-type": "application/json",
    }
    if traceparent:
        headers["traceparent"] = traceparent
    return headers


def encode(headers: dict[str, str]) -> list[tuple[str, bytes]]:
    return [(k, v.encode()) for k, v in headers.items()]


def decode(headers: KafkaHeaders | None) -> dict[str, str]:
    return {k: v.decode("utf-8", "replace") for k, v in (headers or ()) if v is not None}


def parse(headers: KafkaHeaders | None) -> EventMeta:
    h = decode(headers)
    missing = [a for a in ("ce_id", "ce_type", "ce_source") if not h.get(a)]
    if missing:
        raise InvalidHeaders(f"missing CloudEvents headers: {', '.join(missing)}")
    return EventMeta(
        id=h["ce_id"],
        type=h["ce_type"],
        source=h["ce_source"],
        time=h.get("ce_time"),
        traceparent=h.get("traceparent"),
    )
