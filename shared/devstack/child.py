"""``python -m shared.devstack.child services.<name>``: run a service that dies with its supervisor.

On Linux the child asks the kernel for SIGTERM when its parent dies, so a
supervisor killed with SIGKILL leaves no orphan holding the ports. Done here,
after exec, rather than in a ``preexec_fn``, which is unsafe in a parent with
threads.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import runpy
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    if sys.platform != "linux":
        return
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the supervisor died before we asked
        sys.exit(1)


def main() -> None:
    module = sys.argv[1]
    parent = int(os.environ.get("_KEFU_SUPERVISOR_PID", os.getppid()))
    die_with_parent(parent)
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
