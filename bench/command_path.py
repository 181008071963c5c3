"""The reversal command's HTTP path in one process: CPU per request past FastAPI's router
(shared/direct_routes.py) and through it, in alternating blocks.

``python -m bench.command_path [--requests 4000] [--rounds 6]``: the voucher service's app
as its composition root builds it, called as uvicorn calls it (no sockets), with
``POST /orders/{no}/reversal``, a reason, an Idempotency-Key and a gateway token of its
own for each order (as the gateway signs one per path: each is verified, not found in the
service's cache). The caller acts with a role that may not reverse, so the command stops at
its first rule (403 ``role_required``) before any database: what is measured is the whole
HTTP path around the command (the middleware, the token check, the body, the route's
dependencies, the error answer), without the saga. Both ways answer the same bytes (checked
on the first request of each block). The difference is what the direct path saves each
command; a reversal that succeeds also encodes its answer, the same way both ways.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import types
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.voucher.app import create_app
from shared.admission import Admission
from shared.direct_routes import DirectRoutes
from shared.internal_auth import INTERNAL_TOKEN_HEADER, InternalSigner, InternalVerifier
from shared.settings import PlatformSettings

REASON = b'{"reason": "ticket 88: the customer asked to return the points"}'


def _app(home: Path) -> tuple[FastAPI, Callable[[str], str]]:
    """The app with a stand-in for what its lifespan builds (the command stops at its first
    rule, before the database), and how the gateway would sign a call to a path."""
    app = create_app(PlatformSettings(home=home))
    app.state.deps = types.SimpleNamespace(commands=Admission("voucher commands", 32, 64))
    verifier = app.state.internal_verifier
    assert isinstance(verifier, InternalVerifier)
    signer = InternalSigner(verifier._key)

    def token(path: str) -> str:
        return signer.token("voucher", "POST", path, "viewer.zhao", frozenset({"auditor"}))

    return app, token


async def _call(app: FastAPI, path: str, token: str, key: str) -> tuple[int, bytes]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"voucher"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(REASON)).encode()),
            (b"idempotency-key", key.encode()),
            (INTERNAL_TOKEN_HEADER.lower().encode(), token.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8102),
        "state": {},
    }
    sent = False
    status, body = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": REASON, "more_body": False}
        await asyncio.sleep(3600)  # no disconnect while the answer is sent
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


async def _block(
    app: FastAPI, calls: list[tuple[str, str, str]]
) -> tuple[float, tuple[int, bytes]]:
    """CPU seconds per request over ``calls``, and the first answer."""
    first = await _call(app, *calls[0])
    started = time.process_time()
    for path, token, key in calls[1:]:
        await _call(app, path, token, key)
    return (time.process_time() - started) / (len(calls) - 1), first


async def _run(requests: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        app, token = _app(Path(home))
        await _call(app, "/orders/warm/reversal", token("/orders/warm/reversal"), "warm")
        direct = app.router.middleware_stack
        assert isinstance(direct, DirectRoutes)
        results: dict[str, list[float]] = {"direct": [], "router": []}
        serial = 0
        for round_no in range(rounds):
            answers = {}
            for way in ("direct", "router") if round_no % 2 == 0 else ("router", "direct"):
                calls = []
                for _ in range(requests):
                    serial += 1
                    path = f"/orders/B{serial:09d}/reversal"
                    calls.append((path, token(path), f"key-{serial}"))
                routed: Any = direct.app  # FastAPI's router, as before
                app.router.middleware_stack = direct if way == "direct" else routed
                cpu, answers[way] = await _block(app, calls)
                results[way].append(cpu)
            app.router.middleware_stack = direct
            assert answers["direct"] == answers["router"], answers
            assert answers["direct"][0] == 403, answers
        print("| way | CPU µs per command, each block | median |")
        print("| --- | --- | ---: |")
        for way, cpus in results.items():
            each = ", ".join(f"{1e6 * c:.0f}" for c in cpus)
            print(f"| {way} | {each} | {1e6 * sorted(cpus)[len(cpus) // 2]:.0f} |")
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\nload average (1/5/15 min) at the end: {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000, help="per block")
    parser.add_argument("--rounds", type=int, default=6, help="blocks of each way")
    args = parser.parse_args()
    asyncio.run(_run(args.requests, args.rounds))


if __name__ == "__main__":
    main()
