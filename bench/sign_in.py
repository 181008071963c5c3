"""(g) Sign-in bursts: does a burst of wrong passwords slow everyone else down?

    python -m bench.sign_in --attempts 50 [--code /path/to/another/checkout]

The gateway as its own process (``python -m services.gateway``) on the benchmark
PostgreSQL and an embedded broker. A signed-in agent asks ``GET /api/v1/auth/me`` one
request after another, all along; after a quiet stretch, ``--attempts`` wrong passwords
for one account arrive at once (one address). Reported: ``/auth/me`` latency while quiet
and over the 10 s from the burst's start (however long it slows things), and what the
burst was answered and how long it took. ``--code`` runs the gateway of
another source tree (``git archive <commit> | tar -x -C dir``) to compare before and
after on the same machine, database and client.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from collections import Counter
from pathlib import Path

import asyncpg
import httpx

from bench import machine, services, stack
from bench.stats import Latency, fmt_ms

WINDOW_SECONDS = 10.0


async def probe(client: httpx.AsyncClient, token: str, until: float, out: list[float]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await client.get("/api/v1/auth/me", headers=headers)
        out.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        await asyncio.sleep(0.005)


async def run(attempts: int, code: Path) -> None:
    password = "bench-" + secrets.token_urlsafe(12)
    async with stack.postgres() as admin_url:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute('DROP DATABASE IF EXISTS "kefu_gateway" WITH (FORCE)')
            version = str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()
        with stack.broker() as broker:
            extra = {
                "KEFU_DEMO_PASSWORD": password,
                "KEFU_JWT_SECRET": secrets.token_urlsafe(48),
                "KEFU_METRICS": "false",
            }
            with services.service(
                "gateway", admin_url, broker.bootstrap, extra, code, alive="/openapi.json"
            ) as gw:
                async with httpx.AsyncClient(base_url=gw.url, timeout=60) as client:
                    login = await client.post(
                        "/api/v1/auth/login", json={"username": "agent", "password": password}
                    )
                    token = login.json()["access_token"]
                    quiet: list[float] = []
                    await probe(client, token, time.perf_counter() + 5, quiet)
                    during: list[float] = []
                    burst_started = time.perf_counter()
                    prober = asyncio.create_task(probe(client, token, burst_started + 60, during))
                    answers = await asyncio.gather(
                        *(
                            client.post(
                                "/api/v1/auth/login",
                                json={"username": "agent2", "password": f"wrong {i}"},
                            )
                            for i in range(attempts)
                        )
                    )
                    burst_seconds = time.perf_counter() - burst_started
                    await prober
                    statuses = Counter(a.status_code for a in answers)
    q, d = Latency.of_seconds(quiet), Latency.of_seconds(during)
    print(machine.summary(version))
    print(f"code: {code}")
    print(f"burst of {attempts} wrong passwords: {dict(statuses)} in {burst_seconds:.2f} s")
    print(f"/auth/me quiet: n={q.count} p50 {fmt_ms(q.p50)} p99 {fmt_ms(q.p99)}")
    print(f"/auth/me 10 s from the burst: n={d.count} p50 {fmt_ms(d.p50)} p99 {fmt_ms(d.p99)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=50)
    parser.add_argument("--code", type=Path, default=services.ROOT)
    args = parser.parse_args()
    asyncio.run(run(args.attempts, args.code.resolve()))


if __name__ == "__main__":
    main()
