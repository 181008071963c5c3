"""(h) The gateway's start: how long from its process starting to serving.

    python -m bench.gateway_start --pairs 4 --before /path/to/another/checkout

The five services behind the gateway run once (``python -m services.<name>``, this tree)
on the benchmark PostgreSQL and an embedded broker, so the gateway's ``/health`` can
answer 200. Then the gateway is started again and again, the ``--before`` tree's and
this one's in turn (each pair in the other order than the one before, so a neighbour's
burst of load does not always land on the same side), and for each start measured:

* import: ``import services.gateway.__main__`` in a fresh process, wall and CPU seconds
  (what a start spends before any of its code runs; CPU time is what a loaded machine
  changes least);
* first 200: from ``Popen`` to the first 200 of ``GET /health`` (polled every 20 ms),
  and the gateway process's CPU seconds by then.

One unmeasured start of each tree first (byte-code compiled, migrations and demo
accounts in place). The load average is printed with each pair: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]

from bench import machine, services, stack
from bench.stack import DATA
from shared.devstack.broker import free_port

BEHIND = ("voucher", "points", "notify", "refund", "rental")
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Start:
    code: str
    import_s: float
    import_cpu_s: float
    healthy_s: float
    healthy_cpu_s: float
    """The gateway process's CPU seconds (user and system) when /health first said 200."""


IMPORT = (
    "import time; w, c = time.perf_counter(), time.process_time();"
    " import services.gateway.__main__;"
    " print(time.perf_counter() - w, time.process_time() - c)"
)


def import_seconds(code: Path) -> tuple[float, float]:
    """Wall and CPU seconds of importing the gateway in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORT], cwd=code, capture_output=True, text=True, check=True
    )
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def start_gateway(code: Path, env: dict[str, str], label: str) -> Start:
    imported, imported_cpu = import_seconds(code)
    port = free_port()
    log = (DATA / "gateway-start.log").open("ab")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.gateway"],
        cwd=code,
        env={**env, "KEFU_GATEWAY_PORT": str(port), "KEFU_GATEWAY_METRICS_PORT": str(free_port())},
        stdout=log,
        stderr=log,
    )
    try:
        deadline = started + 120
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the gateway exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                status = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code
                if status == 200:
                    now = time.perf_counter() - started
                    cpu = psutil.Process(proc.pid).cpu_times()
                    return Start(label, imported, imported_cpu, now, cpu.user + cpu.system)
            time.sleep(POLL_SECONDS)
        raise TimeoutError("the gateway was not healthy within 120 s")
    finally:
        services._stop(proc)
        log.close()


@contextlib.contextmanager
def behind(admin_url: str, bootstrap: str, extra: dict[str, str]) -> Iterator[dict[str, str]]:
    """The five services behind the gateway, running; the gateway's environment."""
    with contextlib.ExitStack() as stack_:
        ports = {}
        for name in BEHIND:
            running = stack_.enter_context(services.service(name, admin_url, bootstrap, extra))
            ports[f"KEFU_{name.upper()}_PORT"] = str(running.port)
        env = services._env("gateway", 0, admin_url, bootstrap, {**extra, **ports})
        yield env


async def prepare(admin_url: str) -> str:
    conn = await asyncpg.connect(admin_url)
    try:
        for name in ("gateway", *BEHIND):
            await conn.execute(f'DROP DATABASE IF EXISTS "kefu_{name}" WITH (FORCE)')
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def run(pairs: int, before: Path, after: Path) -> None:
    extra = {
        "KEFU_DEMO_PASSWORD": "bench-" + secrets.token_urlsafe(12),
        "KEFU_JWT_SECRET": secrets.token_urlsafe(48),
        "KEFU_METRICS": "false",
    }
    async with stack.postgres() as admin_url:
        version = await prepare(admin_url)
        with stack.broker() as broker, behind(admin_url, broker.bootstrap, extra) as env:
            for code in (before, after):  # warm: byte-code, migrations, demo accounts
                start_gateway(code, env, "warm")
            print(machine.summary(version))
            print("pair | load 1 min | code | import s (CPU s) | first /health 200 s (CPU s)")
            for pair in range(1, pairs + 1):
                order = [("before", before), ("after", after)]
                if pair % 2 == 0:
                    order.reverse()
                for label, code in order:
                    load = os.getloadavg()[0]
                    s = start_gateway(code, env, label)
                    print(
                        f"{pair} | {load:.1f} | {label} | {s.import_s:.2f} ({s.import_cpu_s:.2f}) |"
                        f" {s.healthy_s:.2f} ({s.healthy_cpu_s:.2f})",
                        flush=True,
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=services.ROOT)
    args = parser.parse_args()
    asyncio.run(run(args.pairs, args.before.resolve(), args.after.resolve()))


if __name__ == "__main__":
    main()
