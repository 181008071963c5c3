"""Run the real service processes (``python -m services.<name>``) against the benchmark
PostgreSQL and broker, as ``kefu up`` would, and stop them afterwards."""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from bench.stack import DATA, broker
from shared.devstack.broker import BROKER_DEFAULTS, free_port
from shared.internal_auth import internal_key
from shared.sealing import public_key
from shared.settings import Settings

ROOT = Path(__file__).parent.parent


@dataclass
class Running:
    name: str
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _env(
    name: str, port: int, database_url: str, bootstrap: str, extra: dict[str, str]
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(
        {
            "KEFU_DATABASE_URL": database_url,
            "KEFU_KAFKA_BOOTSTRAP": bootstrap,
            f"KEFU_{name.upper()}_PORT": str(port),
            f"KEFU_{name.upper()}_METRICS_PORT": str(free_port()),
            "KEFU_HOME": str(DATA / "kefu"),
            # the embedded broker's, as `kefu up` gives them unless set (the group timings
            # below aside): KEFU_KAFKA_FETCH_WAIT_MS=500 measures another fetch wait
            **{
                f"KEFU_{name.upper()}": os.environ.get(f"KEFU_{name.upper()}", str(value))
                for name, value in BROKER_DEFAULTS.items()
            },
            "KEFU_KAFKA_SESSION_TIMEOUT_MS": "2000",
            "KEFU_KAFKA_HEARTBEAT_INTERVAL_MS": "300",
            "KEFU_LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


def internal_key_of_services() -> bytes:
    """The key the services run here check the gateway's token with (generated under
    their ``KEFU_HOME``), so the benchmark can call them as the gateway would."""
    return internal_key(Settings(home=DATA / "kefu", internal_secret=None))


def seal_key_of_services() -> X25519PublicKey:
    """The key notify run here opens sealed SMS parameters with (under its ``KEFU_HOME``),
    so the benchmark can ask for a code's SMS as a service would."""
    return public_key(Settings(home=DATA / "kefu", sms_seal_public_key=None))


def wait_healthy(running: Running, timeout: float = 60.0, alive: str = "/health") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.proc.poll() is not None:
            raise RuntimeError(f"{running.name} exited with {running.proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{running.url}{alive}", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{running.name} did not become healthy")


@contextlib.contextmanager
def service(
    name: str,
    database_url: str,
    bootstrap: str,
    extra: dict[str, str] | None = None,
    code: Path = ROOT,
    alive: str = "/health",
) -> Iterator[Running]:
    """``code``: the source tree to run (another commit's, checked out elsewhere, to
    compare before and after); ``alive``: the path that answers 200 once it is up (the
    gateway's /health waits for the services behind it)."""
    port = free_port()
    DATA.mkdir(parents=True, exist_ok=True)
    log = (DATA / f"{name}.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", f"services.{name}"],
        cwd=code,
        env=_env(name, port, database_url, bootstrap, extra or {}),
        stdout=log,
        stderr=log,
    )
    running = Running(name, port, proc)
    backstop = functools.partial(_stop, proc)
    atexit.register(backstop)  # if this process is interrupted mid-run
    try:
        wait_healthy(running, timeout=180.0, alive=alive)  # a busy machine starts slowly
        yield running
    finally:
        _stop(proc)
        atexit.unregister(backstop)
        log.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass(frozen=True)
class Fronted:
    """One service with a gateway in front of it, on a broker of their own."""

    service: Running
    gateway: Running
    broker_pid: int | None


@contextlib.contextmanager
def behind_gateway(
    name: str,
    database_url: str,
    password: str,
    env: dict[str, str] | None = None,
    code: Path = ROOT,
) -> Iterator[Fronted]:
    """``name``'s service and a gateway that routes to it and signs in the demo accounts
    with ``password``; metrics off (the benchmarks meter the processes themselves);
    ``env``: more settings for both; ``code``: the source tree both run from."""
    import secrets

    extra = {
        "KEFU_DEMO_PASSWORD": password,
        "KEFU_JWT_SECRET": secrets.token_urlsafe(48),
        "KEFU_METRICS": "false",
        **(env or {}),
    }
    port_setting = f"KEFU_{name.upper()}_PORT"
    with (
        broker() as kafka,
        service(name, database_url, kafka.bootstrap, extra, code) as running,
        service(
            "gateway",
            database_url,
            kafka.bootstrap,
            {**extra, port_setting: str(running.port)},
            code,
            alive="/openapi.json",  # its /health waits for every service behind it
        ) as gateway,
    ):
        yield Fronted(running, gateway, kafka.pid)
