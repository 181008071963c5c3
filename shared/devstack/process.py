"""One service running as a child process of the supervisor, its output in a log file."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from shared.devstack.secrets import private_log


def log_tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return "(no log)"
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 16_384))
        text = f.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


class ServiceProcess:
    def __init__(self, name: str, port: int, log_path: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.port = port
        self.log_path = log_path
        self.env = dict(env)
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = private_log(self.log_path)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        self._log.write(f"--- kefu up: starting {self.name} at {stamp} ---\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            # through the child shim: it dies with this process (see child.py)
            [sys.executable, "-m", "shared.devstack.child", f"services.{self.name}"],
            env={**self.env, "_KEFU_SUPERVISOR_PID": str(os.getpid())},
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # its own session: a Ctrl-C in the terminal reaches the supervisor only,
            # which then stops the services in order
            start_new_session=True,
        )

    def exit_code(self) -> int | None:
        """None while it runs (or was never started); its exit code once it has exited."""
        return None if self.proc is None else self.proc.poll()

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)

    def wait(self, until: float) -> bool:
        """Wait for exit until the monotonic deadline ``until``; True if it has exited."""
        if self.proc is None:
            return True
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(max(0.0, until - time.monotonic()))
        return self.proc.poll() is not None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 20) -> str:
        if self._log is not None:
            self._log.flush()
        return log_tail(self.log_path, lines)
