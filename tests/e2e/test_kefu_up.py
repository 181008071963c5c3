"""`kefu up` itself, as a user runs it: embedded PostgreSQL and broker, every service, the
banner, a clean stop on SIGTERM, and data and secrets kept across a restart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shared.devstack.broker import free_port, port_open
from shared.devstack.console_build import build_console
from shared.settings import SERVICES

pytestmark = pytest.mark.e2e
EMBEDDED_BROKER_PORT = 9092
"""`kefu up` starts its broker on the default address; the test needs that port free."""


class KefuUp:
    def __init__(self, home: Path, ports: dict[str, int]) -> None:
        self.home = home
        self.output = home.parent / "kefu-up.out"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
        env |= {f"KEFU_{name.upper()}_PORT": str(port) for name, port in ports.items()}
        env |= {f"KEFU_{name.upper()}_METRICS_PORT": str(free_port()) for name in ports}
        env |= {
            "KEFU_HOME": str(home),
            "KEFU_KAFKA_SESSION_TIMEOUT_MS": "2000",
            "KEFU_KAFKA_HEARTBEAT_INTERVAL_MS": "300",
            "KEFU_TOPIC_PARTITIONS": "2",
        }
        self.out = self.output.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "up"],
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def wait_up(self, within: float = 60.0) -> str:
        deadline = time.monotonic() + within
        while "Kefu is up." not in self.text():
            assert self.proc.poll() is None, f"kefu up exited early:\n{self.text()}"
            assert time.monotonic() < deadline, f"kefu up not up in time:\n{self.text()}"
            time.sleep(0.2)
        time.sleep(0.2)  # the rest of the banner
        return self.text()

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(40)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.out.close()


def _postgres_running(pg_dir: Path) -> bool:
    found = subprocess.run(["pgrep", "-f", "--", f"-D {pg_dir}"], capture_output=True, check=False)
    return found.returncode == 0


@pytest.mark.skipif(
    port_open("127.0.0.1", EMBEDDED_BROKER_PORT), reason="port 9092 is taken (a kefu up running?)"
)
def test_kefu_up_runs_everything_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ports = {name: free_port() for name in SERVICES}
    gateway = f"http://127.0.0.1:{ports['gateway']}"

    build_console(print)  # built beforehand, so the wait below is the stack's own
    first = KefuUp(home, ports)
    try:
        banner = first.wait_up()
        assert f"Gateway     {gateway}" in banner and f"{gateway}/docs" in banner
        up = banner[banner.index("Kefu is up.") :]
        assert up.index(f"Console     {gateway}/") < up.index("Gateway"), "the console comes first"
        assert "Console: built, sources unchanged." in banner
        console = httpx.get(f"{gateway}/vouchers?phone=13800138000")
        assert console.status_code == 200 and '<div id="root">' in console.text
        password = (home / "demo_password").read_text().strip()
        assert f"password {password}" in banner
        assert re.search(r"kefu_voucher \(\d+ migrations applied\)", banner), banner
        assert "embedded Tansu on 127.0.0.1:9092" in banner
        login = httpx.post(
            f"{gateway}/api/v1/auth/login", json={"username": "agent", "password": password}
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        assert httpx.get(f"{gateway}/health").status_code == 200
    finally:
        code = first.terminate()
    assert code == 0, first.text()
    assert first.text().rstrip().endswith("stopped.")
    for port in [*ports.values(), EMBEDDED_BROKER_PORT]:
        assert not port_open("127.0.0.1", port), f"port {port} still open after the stop"
    assert not _postgres_running(home / "pg"), "PostgreSQL still running after the stop"
    for name in ports:
        assert (home / "logs" / f"{name}.log").stat().st_size > 0

    second = KefuUp(home, ports)
    try:
        second.wait_up()
        assert (home / "demo_password").read_text().strip() == password
        me = httpx.get(f"{gateway}/api/v1/vouchers", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, "a token from before the restart (same JWT secret)"
    finally:
        assert second.terminate() == 0, second.text()
