"""Fewer copies of the same line: the Kafka client logs every failed attempt while a broker
is away (hundreds a second across a service's consumers), which buries what matters."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

QUIETED = ("aiokafka",)
"""Loggers whose repeats are held back: the client's own retry chatter. Our own lines
say once what failed (``shared.messaging.watchdog``, the relay)."""


class RepeatFilter(logging.Filter):
    """One line per logger and message template per ``every`` seconds; the next one that
    passes says how many were held back meanwhile."""

    def __init__(
        self,
        every: float = 30.0,
        prefixes: tuple[str, ...] = QUIETED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.every = every
        self.prefixes = prefixes
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefixes):
            return True
        key = (record.name, str(record.msg))
        now = self.clock()
        last = self._seen.get(key)
        if last is not None and now - last[0] < self.every:
            self._seen[key] = (last[0], last[1] + 1)
            return False
        if last is not None and last[1]:
            record.msg = (
                f"{record.msg} [{last[1]} more like this in the last {now - last[0]:.0f} s]"
            )
        self._seen[key] = (now, 0)
        return True
