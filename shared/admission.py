"""Admission control: a bounded number of costly commands in flight per process.

Past the bound a command is refused at once with 503 ``busy`` and ``Retry-After``
instead of queueing: queued commands hold database connections and wait on each
other, starving the consumers that would finish the work, so an overloaded
service slows to a crawl rather than levelling off. A refusal changes nothing;
the gateway frees the Idempotency-Key of a 5xx, so the client retries with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shared.errors import DomainError


class Busy(DomainError):
    status = 503
    code = "busy"
    retryable = True


class Admission:
    def __init__(self, what: str, limit: int) -> None:
        if limit < 1:
            raise ValueError("an admission limit is at least 1")
        self.what = what
        self.limit = limit
        self.in_flight = 0
        self.refused = 0

    @contextmanager
    def admit(self) -> Iterator[None]:
        if self.in_flight >= self.limit:
            self.refused += 1
            raise Busy(
                f"{self.limit} {self.what} are already in progress here; retry in a moment"
                " with the same Idempotency-Key"
            )
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
