"""Load synthetic orders and vouchers into a migrated voucher database with COPY.

The schema is the voucher service's own: the database is migrated with the
same migration runner and folders the service uses at start-up. For load speed
the indexes and key constraints of ``orders`` and ``vouchers`` are read from
the catalog (``pg_get_indexdef``/``pg_get_constraintdef``), dropped, the rows
COPYed in by parallel workers (``copy_records_to_table``, binary), and the very
same definitions re-created afterwards, then ``VACUUM ANALYZE``. The result is
the migrated schema, byte for byte in its definitions, as if it had been
loaded row by row; only faster.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import asyncpg

from bench import datagen
from bench.stats import Stopwatch
from shared.db.migrate import SHARED_MIGRATIONS, migrate
from shared.db.pool import create_pool
from shared.progress import Steps, progress_bar

ROOT = Path(__file__).parent.parent
VOUCHER_MIGRATIONS = ROOT / "services" / "voucher" / "migrations"


def migration_folders(code: Path = ROOT) -> list[tuple[str, Path]]:
    """The voucher service's migrations as the source tree ``code`` has them: a "before"
    run (``--code``) loads the schema of the code it runs, not the benchmark's own."""
    return [
        ("shared", code / SHARED_MIGRATIONS.relative_to(ROOT)),
        ("voucher", code / VOUCHER_MIGRATIONS.relative_to(ROOT)),
    ]


TABLES = ("orders", "vouchers")


@dataclass
class LoadReport:
    orders: int = 0
    vouchers: int = 0
    users: int = 0
    reused: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def fingerprint(shape: datagen.Shape, code: Path = ROOT) -> str:
    """Changes when the data, the generator or any migration changes: then reload."""
    h = hashlib.sha256(repr(shape).encode())
    h.update(Path(datagen.__file__).read_bytes())
    for _, folder in migration_folders(code):
        for path in sorted(folder.glob("*.sql")):
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


async def migrate_voucher_schema(url: str, code: Path = ROOT) -> list[str]:
    pool = await create_pool(url, max_size=2)
    try:
        return await migrate(pool, migration_folders(code))
    finally:
        await pool.close()


async def empty_database(conn: asyncpg.Connection) -> None:
    """Drop every schema of ours (the service keeps some outside ``public``)."""
    schemas = await conn.fetch(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
        " AND nspname <> 'information_schema'"
    )
    for row in schemas:
        await conn.execute(f'DROP SCHEMA "{row["nspname"]}" CASCADE')
    await conn.execute("CREATE SCHEMA public")


async def stores_expiry(conn: asyncpg.Connection) -> bool:
    """Whether the migrated schema lets a voucher's status be 'expired'."""
    check: str | None = await conn.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'vouchers'::regclass AND conname = 'vouchers_status_check'"
    )
    return check is not None and "'expired'" in check


async def loaded_fingerprint(conn: asyncpg.Connection) -> str | None:
    exists = await conn.fetchval("SELECT to_regclass('bench_meta') IS NOT NULL")
    if not exists:
        return None
    value: str | None = await conn.fetchval(
        "SELECT value FROM bench_meta WHERE key = 'fingerprint'"
    )
    return value


# --- keys and indexes: read, drop, re-create ------------------------------------


@dataclass(frozen=True)
class Ddl:
    drop: list[str]
    create: list[str]
    names: list[str]


async def detach_keys_and_indexes(conn: asyncpg.Connection) -> Ddl:
    """Drop the indexes and key constraints on orders/vouchers; return how to restore them."""
    constraints = await conn.fetch(
        "SELECT c.conname, c.contype::text AS contype, c.conrelid::regclass::text AS tbl,"
        " pg_get_constraintdef(c.oid) AS def"
        " FROM pg_constraint c"
        " WHERE c.contype IN ('p', 'u', 'f', 'x')"
        " AND (c.conrelid::regclass::text = ANY($1::text[])"
        " OR c.confrelid::regclass::text = ANY($1::text[]))",
        list(TABLES),
    )
    indexes = await conn.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def"
        " FROM pg_index i WHERE i.indrelid::regclass::text = ANY($1::text[])"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
        " AND c.contype IN ('p', 'u', 'x'))",
        list(TABLES),
    )
    fks = [c for c in constraints if c["contype"] == "f"]
    keys = [c for c in constraints if c["contype"] != "f"]
    drop = [f'ALTER TABLE {c["tbl"]} DROP CONSTRAINT "{c["conname"]}"' for c in fks + keys]
    drop += [f"DROP INDEX {i['name']}" for i in indexes]
    create = [f'ALTER TABLE {c["tbl"]} ADD CONSTRAINT "{c["conname"]}" {c["def"]}' for c in keys]
    create += [i["def"] for i in indexes]
    create += [f'ALTER TABLE {c["tbl"]} ADD CONSTRAINT "{c["conname"]}" {c["def"]}' for c in fks]
    for statement in drop:
        await conn.execute(statement)
    names = [c["conname"] for c in fks + keys] + [i["name"] for i in indexes]
    return Ddl(drop, create, names)


# --- the COPY workers --------------------------------------------------------------


async def _copy_chunks(url: str, shape: datagen.Shape, indexes: list[int]) -> tuple[int, int]:
    conn = await asyncpg.connect(url)
    orders = vouchers = 0
    try:
        for index in indexes:
            chunk = datagen.chunk(shape, index)
            await conn.copy_records_to_table(
                "orders", records=chunk.orders, columns=list(datagen.ORDER_COLUMNS)
            )
            await conn.copy_records_to_table(
                "vouchers", records=chunk.vouchers, columns=list(datagen.VOUCHER_COLUMNS)
            )
            orders += len(chunk.orders)
            vouchers += len(chunk.vouchers)
    finally:
        await conn.close()
    return orders, vouchers


def _worker(url: str, shape: datagen.Shape, indexes: list[int]) -> tuple[int, int]:
    return asyncio.run(_copy_chunks(url, shape, indexes))


async def copy_all(
    url: str, shape: datagen.Shape, workers: int, steps: Steps | None = None
) -> tuple[int, int]:
    """Worker processes make and COPY the chunks, a batch at a time so the bar moves."""
    batch = max(1, shape.chunks // (workers * 20))
    plan = [list(range(i, min(i + batch, shape.chunks))) for i in range(0, shape.chunks, batch)]
    loop = asyncio.get_running_loop()

    async def one(pool: ProcessPoolExecutor, indexes: list[int]) -> tuple[int, int]:
        done = await loop.run_in_executor(pool, _worker, url, shape, indexes)
        if steps is not None:
            steps.done(len(indexes))
        return done

    # spawn, not fork: a forked child would inherit this process's running event loop
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = await asyncio.gather(*(one(pool, p) for p in plan))
    return sum(o for o, _ in done), sum(v for _, v in done)


# --- the whole load --------------------------------------------------------------


async def load(
    url: str, shape: datagen.Shape, *, workers: int = 2, force: bool = False, code: Path = ROOT
) -> LoadReport:
    """Make ``url`` hold ``shape``'s data in the voucher schema that the source tree ``code``
    migrates to (reuse if it does)."""
    report = LoadReport()
    wanted = fingerprint(shape, code)
    conn = await asyncpg.connect(url)
    try:
        if not force and await loaded_fingerprint(conn) == wanted:
            report.reused = True
            await _count(conn, report)
            return report
        with progress_bar(shape.chunks) as steps:
            steps.now("migrating the voucher schema")
            with Stopwatch() as sw:
                await empty_database(conn)
                await migrate_voucher_schema(url, code)
                shape = replace(shape, stored_expiry=await stores_expiry(conn))
                ddl = await detach_keys_and_indexes(conn)
            report.seconds["migrate and drop keys/indexes"] = sw.seconds
            report.dropped = ddl.names
            steps.now(f"COPY {shape.chunks} chunks of orders and vouchers")
            with Stopwatch() as sw:
                await copy_all(url, shape, workers, steps)
            report.seconds["COPY"] = sw.seconds
            steps.now("COPY done; keys, indexes and VACUUM follow")
        print("re-creating keys and indexes, then VACUUM ANALYZE ...", flush=True)
        with Stopwatch() as sw:
            await conn.execute("SET maintenance_work_mem = '2GB'")
            for statement in ddl.create:
                await conn.execute(statement)
        report.seconds["re-create keys and indexes"] = sw.seconds
        with Stopwatch() as sw:
            await conn.execute("VACUUM (ANALYZE) orders")
            await conn.execute("VACUUM (ANALYZE) vouchers")
        report.seconds["VACUUM ANALYZE"] = sw.seconds
        await _mark(conn, wanted)
        await _count(conn, report)
        return report
    finally:
        await conn.close()


async def _mark(conn: asyncpg.Connection, fingerprint_: str) -> None:
    await conn.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value text NOT NULL)")
    await conn.execute("INSERT INTO bench_meta VALUES ('fingerprint', $1)", fingerprint_)


async def _count(conn: asyncpg.Connection, report: LoadReport) -> None:
    report.orders = await conn.fetchval("SELECT count(*) FROM orders")
    report.vouchers = await conn.fetchval("SELECT count(*) FROM vouchers")
    report.users = await conn.fetchval("SELECT count(DISTINCT user_id) FROM orders")
