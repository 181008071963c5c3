"""Idempotency keys: one request per (user, key), its final answer replayed on repeats.

A key is bound to the request it first came with (its fingerprint). The same key
with another request is a client bug and refused; a repeat while the first is
still running is told to wait; a repeat after it finished gets the stored answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from shared.errors import DomainError, IdempotencyKeyReused
from shared.fingerprints import fingerprint_of

__all__ = [
    "RETENTION",
    "IdempotencyKeyRequired",
    "IdempotencyKeyReused",
    "KeyRecord",
    "RequestInProgress",
    "Verdict",
    "fingerprint",
    "is_final",
    "verdict",
]

REDACTED_FIELDS = frozenset({"password"})
"""Secrets never reach the idempotency table, not even inside a hash (a sha256 of a
short password is cheap to reverse): they are left out of the fingerprint."""

RETENTION = timedelta(hours=24)
"""How long a finished key answers with its stored result; after that it is free again."""


class IdempotencyKeyRequired(DomainError):
    status = 400
    code = "idempotency_key_required"


class RequestInProgress(DomainError):
    status = 409
    code = "request_in_progress"


def _redact(value: Any, fields: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _redact(v, fields) for k, v in value.items() if k not in fields}
    if isinstance(value, list):
        return [_redact(v, fields) for v in value]
    return value


def fingerprint(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    body: Any,
    *,
    redact: frozenset[str] = REDACTED_FIELDS,
) -> str:
    """A digest of what the request asks for: independent of JSON spacing and key order.

    The whole request, where a service's own key path compares the command it makes of
    it: a request the gateway calls another may still be the same command to the
    service (the gateway is the stricter), never the reverse."""
    return fingerprint_of(
        {
            "method": method.upper(),
            "path": path,
            "query": sorted(query),
            "body": _redact(body, redact),
        }
    )


@dataclass(frozen=True)
class KeyRecord:
    fingerprint: str
    status: int | None
    """The stored answer's status; None while the first request is in flight."""
    body: Any
    lease_until: datetime | None
    created_at: datetime


class Verdict(Enum):
    PROCEED = "proceed"
    """Run the request: the key is new, expired, or its holder gave up (lease ran out)."""
    REPLAY = "replay"


def verdict(record: KeyRecord | None, request_fingerprint: str, now: datetime) -> Verdict:
    if record is None or record.created_at + RETENTION <= now:
        return Verdict.PROCEED
    if record.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused()
    if record.status is not None:
        return Verdict.REPLAY
    if record.lease_until is not None and record.lease_until > now:
        raise RequestInProgress(
            "a request with this Idempotency-Key is still in progress; retry shortly"
        )
    return Verdict.PROCEED


def is_final(status: int, body: Any = None) -> bool:
    """Stored and replayed: every answer but a 5xx, which frees the key for another try,
    and the service's own ``idempotency_key_reused``. That one says the service holds the
    key for another command (the gateway had freed it after a 5xx, or forgotten it after
    a day): the key is not this request's, so the gateway must not bind it to it, or the
    first command's honest retry would be refused here while the service would take it."""
    if isinstance(body, Mapping) and body.get("code") == IdempotencyKeyReused.code:
        return False
    return status < 500
