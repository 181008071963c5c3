"""Pools, per-service databases and migrations (pool.py, migrate.py), and the type a
store function takes for "a connection, or the pool when one statement will do"."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool  # asyncpg is untyped: for readability
