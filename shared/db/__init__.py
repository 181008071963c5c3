"""Pools, per-service databases and migrations (pool.py, migrate.py), and the type a
store function takes for "a connection, or the pool when one statement will do"."""

from __future__ import annotations

import re
from typing import TypeAlias

import asyncpg

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool  # asyncpg is untyped: for readability


def renumbered(sql: str, first: int) -> str:
    """``sql`` with its parameters ``$1``, ``$2``, ... numbered from ``$first``: a statement's
    part that a larger statement embeds after parameters of its own (one round trip for
    work that belongs to two stores)."""
    return re.sub(r"\$(\d+)", lambda m: f"${int(m[1]) + first - 1}", sql)
