"""A service process runs on uvloop and parses HTTP with httptools (shared.http.run): the
loop and the parser in C, not asyncio's loop and h11 in Python."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

from shared.devstack.broker import free_port

ROOT = Path(__file__).parents[3]

# A process started as every services/*/__main__.py starts: one route says which loop runs
# it and which module of uvicorn's read the request (the frames that awaited the route).
_SERVICE = textwrap.dedent(
    """
    import asyncio, inspect, sys
    from fastapi import FastAPI
    from shared.http import run

    app = FastAPI()

    @app.get("/runtime")
    async def runtime() -> dict[str, str]:
        parsers = [f.filename for f in inspect.stack() if "uvicorn/protocols/http" in f.filename]
        return {"loop": type(asyncio.get_running_loop()).__module__, "parser": parsers[-1]}

    run(app, "127.0.0.1", int(sys.argv[1]), int(sys.argv[2]))
    """
)


def test_a_service_process_runs_on_uvloop_and_httptools() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVICE, str(port), str(free_port())],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/runtime", timeout=2).json()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the service did not answer"
                time.sleep(0.1)
        assert answer["loop"].startswith("uvloop"), answer
        assert answer["parser"].endswith("httptools_impl.py"), answer
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
