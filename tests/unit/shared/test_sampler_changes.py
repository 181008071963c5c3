"""The gauges' samplers read when told something changed, not on a timer: an idle service
does not wake to read the same numbers again (shared.observability.changes)."""

from __future__ import annotations

import asyncio

import pytest

from shared.observability import changes as module
from shared.observability.changes import Changes


async def test_a_sampler_untold_sleeps_until_the_backstop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(module, "SAMPLE_BACKSTOP_SECONDS", 0.3)
    loop = asyncio.get_running_loop()
    changes, since = Changes(), loop.time()
    await changes.after(changes.told, 0.01, since)
    assert loop.time() - since >= 0.29  # not after the 0.01 s interval: nothing was told


async def test_told_it_reads_again_but_not_sooner_than_its_interval() -> None:
    loop = asyncio.get_running_loop()
    changes, since = Changes(), loop.time()
    waiting = asyncio.create_task(changes.after(changes.told, 0.2, since))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    changes.tell()
    async with asyncio.timeout(1.0):
        await waiting
    assert 0.19 <= loop.time() - since < 1.0  # told at 0.05 s, read at the interval


async def test_a_tell_before_the_wait_is_not_lost() -> None:
    loop = asyncio.get_running_loop()
    changes = Changes()
    seen, since = changes.told, loop.time()
    changes.tell()  # while the sampler was still reading
    async with asyncio.timeout(0.5):
        await changes.after(seen, 0.0, since)
