"""Admission control: the bound holds, the line is served in order, a refusal is a clear
503 only when the line is full, and slots come back however a command ends."""

from __future__ import annotations

import asyncio

import pytest

from shared.admission import Admission, Busy


async def hold(admission: Admission, started: list[str], name: str, done: asyncio.Event) -> None:
    async with admission.admit():
        started.append(name)
        await done.wait()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_past_the_bound_commands_wait_their_turn_in_order() -> None:
    admission = Admission("reversals", 2, queue=2)
    started: list[str] = []
    done = {n: asyncio.Event() for n in "abcd"}
    tasks = [asyncio.create_task(hold(admission, started, n, done[n])) for n in "abcd"]
    await settle()
    assert (started, admission.in_flight, admission.waiting) == (["a", "b"], 2, 2)
    done["b"].set()
    await settle()
    assert started == ["a", "b", "c"] and admission.in_flight == 2  # c took b's slot
    done["a"].set()
    await settle()
    assert started == ["a", "b", "c", "d"]
    done["c"].set()
    done["d"].set()
    await asyncio.gather(*tasks)
    assert (admission.in_flight, admission.waiting, admission.refused) == (0, 0, 0)


async def test_when_the_line_is_full_a_command_is_refused_busy() -> None:
    admission = Admission("reversals", 1, queue=1)
    done = asyncio.Event()
    started: list[str] = []
    tasks = [asyncio.create_task(hold(admission, started, n, done)) for n in "ab"]
    await settle()
    with pytest.raises(Busy) as refused:
        async with admission.admit():
            pass
    assert (refused.value.status, refused.value.code) == (503, "busy")
    assert refused.value.retryable
    done.set()
    await asyncio.gather(*tasks)
    assert (started, admission.in_flight, admission.refused) == (["a", "b"], 0, 1)


async def test_with_no_line_past_the_bound_is_refused_at_once() -> None:
    admission = Admission("voids", 1)
    async with admission.admit():
        with pytest.raises(Busy):
            async with admission.admit():
                pass
    assert admission.in_flight == 0


async def test_a_failing_command_gives_its_slot_back() -> None:
    admission = Admission("voids", 1)
    with pytest.raises(RuntimeError):
        async with admission.admit():
            raise RuntimeError("issuer away")
    async with admission.admit():
        assert admission.in_flight == 1


async def test_a_caller_gone_while_waiting_leaves_the_line_and_loses_no_slot() -> None:
    admission = Admission("reversals", 1, queue=2)
    done = asyncio.Event()
    started: list[str] = []
    first = asyncio.create_task(hold(admission, started, "a", done))
    gone = asyncio.create_task(hold(admission, started, "gone", done))
    await settle()
    gone.cancel()
    await settle()
    assert admission.waiting == 0
    later = asyncio.create_task(hold(admission, started, "c", done))
    await settle()
    done.set()
    async with asyncio.timeout(2):
        await asyncio.gather(first, later)
    assert started == ["a", "c"] and admission.in_flight == 0


async def test_a_caller_gone_just_as_its_turn_came_passes_the_slot_on() -> None:
    admission = Admission("reversals", 1, queue=2)
    release, done = asyncio.Event(), asyncio.Event()
    started: list[str] = []
    first = asyncio.create_task(hold(admission, started, "a", release))
    unlucky = asyncio.create_task(hold(admission, started, "b", done))
    after = asyncio.create_task(hold(admission, started, "c", done))
    await settle()
    release.set()
    await asyncio.sleep(0)  # a finishes and hands b its slot; b has not run yet
    unlucky.cancel()
    await settle()
    done.set()
    async with asyncio.timeout(2):
        await asyncio.gather(first, after, unlucky, return_exceptions=True)
    assert started == ["a", "c"]  # b never ran, and its slot went on to c
    assert (admission.in_flight, admission.waiting) == (0, 0)


def test_a_bound_below_one_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        Admission("nothing", 0)
