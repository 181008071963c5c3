"""The voucher service's asyncpg queries, one module per table family."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def existing(found: T | None, what: str) -> T:
    """A row the caller knows exists (rows here are never deleted); its absence is a bug."""
    if found is None:
        raise LookupError(f"{what} vanished")
    return found
