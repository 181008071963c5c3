"""Loaded by the service processes a benchmark starts with ``bench/probe`` on PYTHONPATH
(never by ``kefu up``): with ``KEFU_BENCH_GC_LOG`` set to a folder, each process writes
there, per garbage collection, when it began (wall clock, ns), how long it took (ns), the
CPU it took (ns: on a shared machine the wall time includes waiting for a core), its
generation and what it freed, so slow requests can be set beside the collections."""

from __future__ import annotations

import gc
import os
import time

_folder = os.environ.get("KEFU_BENCH_GC_LOG")
if _folder:
    _out = open(os.path.join(_folder, f"gc-{os.getpid()}.log"), "a", buffering=1)  # noqa: SIM115
    _began = [0, 0, 0]

    def _noted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _began[:] = time.time_ns(), time.perf_counter_ns(), time.thread_time_ns()
            return
        took = time.perf_counter_ns() - _began[1]
        cpu = time.thread_time_ns() - _began[2]
        _out.write(f"{_began[0]} {took} {cpu} {info['generation']} {info['collected']}\n")

    gc.callbacks.append(_noted)
