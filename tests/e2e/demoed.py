"""A stack `kefu demo` has filled, once per package: the e2e tests of the demo and of the
README's examples share it. The demo runs as a user runs it from a second terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from shared.devstack.stack import Stack
from shared.devstack.stack_env import write_stack_env
from shared.devstack.up import stack_env
from tests.e2e.conftest import DEMO_PASSWORD

SEED = 2018
"""The default seed: the README's ids are this run's."""


@dataclass(frozen=True)
class Demoed:
    output: str


def run_kefu_demo(stack: Stack) -> str:
    """`kefu demo` with nothing but KEFU_HOME and the password: it reads stack.env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {"KEFU_HOME": str(stack.home), "KEFU_DEMO_PASSWORD": DEMO_PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "shared.cli", "demo", "--seed", str(SEED)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="package")
def demoed(stack: Stack) -> Iterator[Demoed]:
    write_stack_env(stack.home, stack_env(stack))  # as `kefu up` does once it is up
    yield Demoed(run_kefu_demo(stack))
