"""The Kafka client's retry chatter is held back to one line per template per window."""

from __future__ import annotations

import logging

from shared.observability.repeats import RepeatFilter


def _record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)


def test_repeats_of_the_client_are_held_back_then_counted() -> None:
    now = [0.0]
    quiet = RepeatFilter(every=30, clock=lambda: now[0])
    template = "Unable connect to node with id %s: %s"
    assert quiet.filter(_record("aiokafka", template, 111, "refused"))
    assert not any(quiet.filter(_record("aiokafka", template, 111, "x")) for _ in range(500))
    assert quiet.filter(_record("aiokafka", "another template"))
    now[0] = 31.0
    passed = _record("aiokafka", template, 111, "refused")
    assert quiet.filter(passed)
    assert "[500 more like this in the last 31 s]" in passed.getMessage()


def test_our_own_lines_are_never_held_back() -> None:
    quiet = RepeatFilter(every=30, clock=lambda: 0.0)
    assert all(
        quiet.filter(_record("shared.messaging.consumer", "handler failed")) for _ in range(5)
    )
