"""The benchmarks' tail report: where the slowest were sent, and the p99 after the start."""

from __future__ import annotations

from bench.stats import when_the_slowest_were_sent


def test_a_tail_made_of_the_start_is_told_apart_from_the_rest() -> None:
    cold = [(0.1 * i, 0.200) for i in range(3)]  # the first three: slow
    warm = [(5.0 + 0.01 * i, 0.010 + 0.001 * (i % 10)) for i in range(297)]
    line = when_the_slowest_were_sent(cold + warm)
    assert "the slowest 1 % (3) were sent 0.0-0.2 s into the run" in line
    assert line.endswith("p99 of those sent after its first 5 s: 19 ms")


def test_too_few_after_the_start_gives_no_p99() -> None:
    line = when_the_slowest_were_sent([(0.5, 0.1), (6.0, 0.2)])
    assert "were sent 6.0-6.0 s" in line and "p99" not in line
    assert when_the_slowest_were_sent([]) == "    (nothing sent)"
