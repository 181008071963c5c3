"""The bench load COPYs its chunks in batches and moves a progress bar over them: every
chunk counted once, every row there."""

from __future__ import annotations

import io

import asyncpg
import pytest
from rich.console import Console

from bench import datagen, rental_accounts
from bench.load import copy_all, empty_database, migrate_voucher_schema
from shared.db.pool import ensure_database
from shared.progress import progress_bar
from shared.settings import database_url_with_name
from tests.infra import Infra


async def test_the_copy_moves_the_bar_once_per_chunk(infra: Infra, unique: str) -> None:
    url = database_url_with_name(infra.database_url, f"bench_load_{unique}")
    await ensure_database(url)
    conn = await asyncpg.connect(url)
    try:
        await empty_database(conn)
        await migrate_voucher_schema(url)
        shape = datagen.Shape(vouchers=90_000)
        assert shape.chunks >= 2
        out = io.StringIO()
        with progress_bar(shape.chunks, console=Console(file=out, width=100)) as steps:
            orders, vouchers = await copy_all(url, shape, 2, steps)
        assert f"{shape.chunks}/{shape.chunks}" in out.getvalue()
        assert (orders, vouchers) == (
            await conn.fetchval("SELECT count(*) FROM orders"),
            await conn.fetchval("SELECT count(*) FROM vouchers"),
        )
    finally:
        await conn.close()


async def test_the_ledger_load_counts_its_rows_on_the_bar(
    infra: Infra, unique: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = database_url_with_name(infra.database_url, f"bench_ledger_{unique}")
    await ensure_database(url)
    loaded = await rental_accounts.load(url, rental_accounts.Shape(trips_per_day=40, users=20))
    assert loaded["rows"] > 40 * 30
    assert f"{loaded['rows']}/?" in capsys.readouterr().err
