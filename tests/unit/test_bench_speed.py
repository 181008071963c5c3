"""The cores' speed probe (bench.speed): samples a tight loop in a process of its own."""

from __future__ import annotations

import time

from bench.speed import Speed, SpeedProbe


def test_the_probe_samples_while_it_runs_and_stops_when_told() -> None:
    probe = SpeedProbe(every=0.2, sample=0.02)
    time.sleep(1.0)
    speed = probe.stop()
    assert 2 <= len(speed.samples) <= 7
    assert all(s > 0 for s in speed.samples)
    assert speed.stolen is not None and 0 <= speed.stolen < 1
    assert probe._proc.poll() is not None  # stopped


def test_a_speed_is_told_by_its_median_and_range() -> None:
    assert Speed([9.0, 12.0, 6.0]).describe() == "9.0 M loop turns/s (median of 3; 6.0-12.0)"
    assert Speed([]).describe() == "not sampled"
    assert Speed([9.0], 0.012).describe().endswith("stolen by the host 1.2 % of the cores' time")
