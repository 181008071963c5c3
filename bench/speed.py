"""How fast this machine's cores run while a benchmark runs.

On this shared VM the same code's CPU per reversal moves by half within minutes, and a
tight Python loop's turns a second swing too (session 16 in RESULTS.md). The two did not
follow each other there, so the probe tells what a loop that fits in a core's cache sees,
and the host's steal, beside each run: a run that differs in them is not a like one. A
:class:`SpeedProbe` is a process of its own that, every
``every`` seconds, counts a tight loop's turns for ``sample`` seconds of its own CPU time
(a core busy ``sample / every`` of the time: counted under "other processes", never under
an engine's CPU) and reports them when stopped.

    python -m bench.speed --every 2 --sample 0.02    # what the probe runs: a rate a line
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

EVERY_SECONDS = 2.0
SAMPLE_SECONDS = 0.02
"""A core busy 1 % of the time (it was 5 %, on a machine the runs keep most of the way busy:
what the probe takes, the benchmark waits for)."""


@dataclass(frozen=True)
class Speed:
    """Millions of a tight loop's turns a second, one sample each ``every`` seconds; and the
    share of the cores' time the host gave other guests meanwhile (``steal`` in /proc/stat:
    none of it counts as any process's CPU, all of it is time the benchmark waited)."""

    samples: list[float]
    stolen: float | None = None

    def describe(self) -> str:
        if not self.samples:
            return "not sampled"
        low, high = min(self.samples), max(self.samples)
        median = statistics.median(self.samples)
        told = f"{median:.1f} M loop turns/s (median of {len(self.samples)}; {low:.1f}-{high:.1f})"
        if self.stolen is not None:
            told += f"; stolen by the host {100 * self.stolen:.1f} % of the cores' time"
        return told


def _cpu_ticks() -> tuple[int, int] | None:
    """All the cores' ticks so far, and the stolen ones (None where there is no /proc)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


class SpeedProbe:
    """The sampling process, from construction to :meth:`stop`."""

    def __init__(self, every: float = EVERY_SECONDS, sample: float = SAMPLE_SECONDS) -> None:
        self._ticks = _cpu_ticks()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.speed", "--every", str(every), "--sample", str(sample)],
            stdout=subprocess.PIPE,
            text=True,
        )

    def stop(self) -> Speed:
        self._proc.terminate()
        out, _ = self._proc.communicate(timeout=10)
        samples = []
        for line in out.split():
            try:
                samples.append(float(line))
            except ValueError:  # a line the stop cut short
                continue
        ticks, stolen = _cpu_ticks(), None
        if ticks is not None and self._ticks is not None and ticks[0] > self._ticks[0]:
            stolen = (ticks[1] - self._ticks[1]) / (ticks[0] - self._ticks[0])
        return Speed(samples, stolen)


def _count(seconds: float) -> float:
    """Turns of a tight loop a second of this process's own CPU time, counted for ``seconds``
    of it: a core's speed while the probe has one, not how often it got one (the machine
    is busy with the benchmark meanwhile)."""
    turns, began = 0, time.process_time()
    until = began + seconds
    while True:
        turns += 1
        if turns % 10_000 == 0 and time.process_time() >= until:
            return turns / (time.process_time() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--every", type=float, default=EVERY_SECONDS)
    parser.add_argument("--sample", type=float, default=SAMPLE_SECONDS)
    args = parser.parse_args()
    while True:
        print(f"{_count(args.sample) / 1e6:.2f}", flush=True)
        time.sleep(max(0.0, args.every - args.sample))


if __name__ == "__main__":
    main()
