"""Each thread of a service named in the operating system as it is in Python.

Linux shows every thread of a Python process under the process's own name, so what wakes
an idle service (``python -m bench.idle`` counts wake-ups per thread) could not be told
apart: the event loop, the metrics server, the resolver's executor threads. A thread's
name in ``/proc/<pid>/task/<tid>/comm`` (15 characters) is what ``top -H``, ``ps -L`` and
the benchmark show.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

_COMM_LENGTH = 15


def name_os_thread(thread: threading.Thread, name: str | None = None) -> None:
    """Give a started thread of this process its name (or ``name``) in the operating system."""
    if thread.native_id is None:
        return
    with contextlib.suppress(OSError):  # not Linux, or the thread is gone
        Path(f"/proc/self/task/{thread.native_id}/comm").write_text(
            (name or thread.name)[:_COMM_LENGTH]
        )


def _name_as_it_starts(frame: FrameType, event: str, arg: Any) -> None:
    sys.setprofile(None)  # once, at the thread's first call: it costs nothing afterwards
    name_os_thread(threading.current_thread())


def name_os_threads() -> None:
    """Every thread the ``threading`` module starts from now on is named as it starts (a
    profile hook that removes itself at the thread's first call)."""
    threading.setprofile(_name_as_it_starts)
