"""Effects outside the database (metrics) that belong to a transaction: made once it
commits, never when it rolls back, never twice when it is run again.

A batch of messages may run a handler twice: the consumer runtime rolls a batch back when
one of its messages fails and runs it again with a savepoint each. A metric the handler
counted in the first run would be counted again. So a handler hands the effect to
:func:`after_commit`, and whoever owns the transaction collects the effects
(:func:`collected`) and makes them once it committed (:func:`made`); a savepoint that
rolled back drops its own (:func:`kept` hands a released savepoint's effects to the
transaction around it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Effect = Callable[[], None]

_pending: ContextVar[list[Effect] | None] = ContextVar("kefu_after_commit", default=None)


def after_commit(effect: Effect) -> None:
    """Make ``effect`` once the transaction that is running commits (now, if no owner of a
    transaction collects effects)."""
    pending = _pending.get()
    if pending is None:
        effect()
    else:
        pending.append(effect)


def collecting() -> bool:
    """Whether an owner of the running transaction collects its effects: an effect handed
    to :func:`after_commit` now waits for the commit (else it is made at once)."""
    return _pending.get() is not None


@contextmanager
def collected() -> Iterator[list[Effect]]:
    """The effects handed to :func:`after_commit` inside the block: the caller makes them
    (:func:`made`) once its transaction committed, or (a savepoint) :func:`kept`."""
    effects: list[Effect] = []
    token = _pending.set(effects)
    try:
        yield effects
    finally:
        _pending.reset(token)


def made(effects: list[Effect]) -> None:
    for effect in effects:
        effect()


def kept(effects: list[Effect]) -> None:
    """A released savepoint's effects: they wait for the transaction around it."""
    for effect in effects:
        after_commit(effect)
