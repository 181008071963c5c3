"""The supervisor restarts a service that dies, and it comes back healthy."""

from __future__ import annotations

import os
import signal
import time

import pytest

from shared.devstack.stack import Stack

pytestmark = pytest.mark.e2e


def test_a_killed_service_is_reported_restarted_and_healthy_again(stack: Stack) -> None:
    said: list[str] = []
    out, stack.out = stack.out, said.append
    try:
        child = stack.children["points"]
        old_pid = child.pid
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while child.pid == old_pid or child.exit_code() is not None:
            assert time.monotonic() < deadline, f"points was not restarted: {said}"
            assert stack.check(), "the supervisor gave up after one crash"
            time.sleep(0.1)
        stack.wait_healthy(timeout=30)
    finally:
        stack.out = out
    assert said[0].startswith("points exited with code -9; restarting in 1 s"), said
    assert said[1] == f"points: restarted (pid {child.pid})"
