"""A service's threads carry their Python names in the operating system, so that what wakes
an idle process can be told apart per thread (shared.threads, bench.idle)."""

from __future__ import annotations

import threading
from pathlib import Path

from shared.threads import name_os_thread, name_os_threads


def _os_name(thread: threading.Thread) -> str:
    return Path(f"/proc/self/task/{thread.native_id}/comm").read_text().strip()


def test_threads_started_after_the_hook_carry_their_names() -> None:
    name_os_threads()
    try:
        seen: list[str] = []
        thread = threading.Thread(target=lambda: seen.append(_os_name(thread)), name="kefu-sampler")
        thread.start()
        thread.join(5)
        assert seen == ["kefu-sampler"]
    finally:
        threading.setprofile(None)


def test_a_running_thread_is_named_from_outside_to_fifteen_characters() -> None:
    done = threading.Event()
    thread = threading.Thread(target=done.wait, args=(5,))
    thread.start()
    try:
        name_os_thread(thread, "metrics-http-server-thread")
        assert _os_name(thread) == "metrics-http-se"
    finally:
        done.set()
        thread.join(5)
