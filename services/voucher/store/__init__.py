"""The voucher service's asyncpg queries, one module per table family."""

from __future__ import annotations

import asyncpg


def existing(row: asyncpg.Record | None, what: str) -> asyncpg.Record:
    """A row the caller knows exists (rows here are never deleted); its absence is a bug."""
    if row is None:
        raise LookupError(f"{what} vanished")
    return row
