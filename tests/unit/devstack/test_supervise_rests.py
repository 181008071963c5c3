"""The stack's supervisor sleeps until a part exits or a stop is asked: no round on a timer
(shared.devstack.stack.Stack.supervise)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from shared.devstack.stack import Stack
from shared.settings import Settings


class Sleeper:
    """A supervised part: a process that exits after ``seconds``."""

    log_path: Path | None = None

    def __init__(self, seconds: float) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    def exit_code(self) -> int | None:
        return self.proc.poll()


def test_it_wakes_when_a_part_exits_and_when_asked_to_stop_not_in_between(
    tmp_path: Path,
) -> None:
    stack = Stack(Settings(home=tmp_path), out=lambda line: None)
    part = Sleeper(1.0)
    rounds: list[float] = []
    check = stack.check

    def counted() -> bool:
        rounds.append(time.monotonic())
        return check()

    stack.check = counted  # type: ignore[method-assign]
    stack.parts = lambda: {"sleeper": part}  # type: ignore[method-assign]
    started = time.monotonic()
    supervising = threading.Thread(target=stack.supervise)
    supervising.start()
    try:
        time.sleep(0.8)
        assert len(rounds) == 1, "a round before anything happened"  # its first look only
        part.proc.wait(5)
        deadline = time.monotonic() + 2
        while len(rounds) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(rounds) >= 2 and rounds[1] - started < 1.5, "the exit was not seen at once"
    finally:
        asked = time.monotonic()
        stack.request_stop()
        supervising.join(5)
    assert not supervising.is_alive() and time.monotonic() - asked < 1.0
