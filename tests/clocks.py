"""What every movable test clock shares: moving it wakes the service's sleeping sweeps.

A service's timer sweep sleeps until its next timer is due by the service's clock
(shared.timers); a test that moves that clock forward must wake it, or it sleeps past the
new "now". A clock tells each sweep that asked (``when_moved``) every time it is moved.
"""

from __future__ import annotations

from collections.abc import Callable


class TellsWhenMoved:
    """Mixed into a test's clock (a plain class or a dataclass: the list is made on first
    use); the clock calls :meth:`moved` whenever it moves."""

    def when_moved(self, wake: Callable[[], None]) -> None:
        self.__dict__.setdefault("_told", []).append(wake)

    def moved(self) -> None:
        for wake in self.__dict__.get("_told", []):
            wake()


SWEEP_BACKSTOP = 60.0
"""The sweeps' backstop in tests, far longer than any test waits: a test that sees a
timer acted on saw the sweep woken (a trigger's notification, the clock moved), not
its backstop run out."""
