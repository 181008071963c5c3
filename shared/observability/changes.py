"""What tells the gauges' samplers that what they show may have changed
(:mod:`shared.observability.samplers`)."""

from __future__ import annotations

import asyncio
import contextlib

SAMPLE_BACKSTOP_SECONDS = 60.0
"""The longest a sampler sleeps untold: what changed without a word from this process
(another replica's parked messages) shows within it."""


class Changes:
    """Told when what a gauge shows may have changed; each sampler waits for the next tell."""

    def __init__(self) -> None:
        self.told = 0
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def tell(self) -> None:
        self.told += 1
        if self._event is not None:
            self._event.set()
            self._event = None

    async def after(self, seen: int, interval: float, since: float) -> None:
        """Return once told after ``seen`` (or at the backstop), and not sooner than
        ``interval`` seconds after ``since`` (``loop.time()`` of the last sample)."""
        loop = asyncio.get_running_loop()
        deadline = since + max(SAMPLE_BACKSTOP_SECONDS, interval)
        while self.told == seen and loop.time() < deadline:
            if self._event is None or self._loop is not loop:  # a new loop (tests): anew
                self._event, self._loop = asyncio.Event(), loop
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self._event.wait()
        await asyncio.sleep(max(0.0, since + interval - loop.time()))


outbox_changes = Changes()
"""Told by the outbox relay's passes and the consumer runtime's parking and dead-lettering."""
lag_changes = Changes()
"""Told by every batch a consumer takes."""
