"""Percentiles and timing helpers shared by the benchmarks."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method.

    Nearest rank, not interpolation: the p99 of 1,000 samples is the 990th
    smallest, a latency some request really had.
    """
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latency:
    """A latency distribution in milliseconds."""

    count: int
    p50: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of_seconds(cls, samples: Sequence[float]) -> Latency:
        ms = [s * 1000 for s in samples]
        return cls(
            count=len(ms),
            p50=percentile(ms, 50),
            p99=percentile(ms, 99),
            max=max(ms),
            mean=sum(ms) / len(ms),
        )


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    def __init__(self) -> None:
        self.started = 0.0
        self.seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.started


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def fmt_int(n: float) -> str:
    return f"{round(n):,}"


def fmt_ms(ms: float) -> str:
    return f"{ms:.2f}" if ms < 100 else f"{ms:.0f}"


def when_the_slowest_were_sent(sent: Sequence[tuple[float, float]], warm: float = 5.0) -> str:
    """Where in a run the slowest 1 % were sent, and the p99 of what was sent after its first
    ``warm`` seconds; ``sent``: (seconds into the run, latency in seconds) per request.

    A tail made of a run's first requests (consumers waking from their idle fetch wait,
    caches and connections still cold) reads differently from one spread over the run."""
    if not sent:
        return "    (nothing sent)"
    n = max(1, len(sent) // 100)
    slowest = sorted(sent, key=lambda s: -s[1])[:n]
    offsets = sorted(o for o, _ in slowest)
    later = [lat for o, lat in sent if o >= warm]
    line = f"    the slowest 1 % ({n}) were sent {offsets[0]:.1f}-{offsets[-1]:.1f} s into the run"
    if len(later) >= 100:
        line += (
            f"; p99 of those sent after its first {warm:g} s: {percentile(later, 99) * 1000:.0f} ms"
        )
    return line
