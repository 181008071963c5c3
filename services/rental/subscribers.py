"""Topic → validated contract → handler. The consumer runtime owns inbox, parking and DLQ.

Each area lists its own subscriptions in a function of ``deps``; this module only
gathers them (add yours to ``subscriptions``). Every platform event has a batch
handler: a whole batch in a few statements and one transaction; a batch that fails
(an event not applicable yet) is applied one message at a time, which parks that one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import asyncpg

from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.subscribers import account_subscriptions
from services.rental.deps import Deps
from services.rental.handlers import ingest
from shared.contracts import (
    RENTAL_FEEDBACK_SUBMITTED,
    RENTAL_INSURANCE_APPLIED,
    RENTAL_LOCK_STATE_REPORTED,
    RENTAL_TRIP_ENDED,
    RENTAL_TRIP_STARTED,
    RENTAL_USER_REGISTERED,
    Contract,
    Topic,
)
from shared.messaging.consumer import Envelope, Subscription
from shared.unit_of_work import UnitOfWork

M = TypeVar("M", bound=Contract)


def platform_subscriptions(deps: Deps) -> list[Subscription[Any]]:
    def batched(
        topic: Topic[M],
        name: str,
        apply: Callable[[UnitOfWork, Sequence[M]], Awaitable[object]],
    ) -> Subscription[M]:
        """A subscription whose one-message and batch handlers are the same batch function,
        run in the unit of work of the consumer runtime's transaction."""

        async def one(conn: asyncpg.Connection, env: Envelope[M]) -> None:
            await apply(deps.within(conn), [env.payload])

        async def many(conn: asyncpg.Connection, envs: list[Envelope[M]]) -> None:
            await apply(deps.within(conn), [e.payload for e in envs])

        return Subscription(topic, one, name, batch_handler=many)

    return [
        batched(RENTAL_USER_REGISTERED, "rental.user_registered", ingest.register_users),
        batched(RENTAL_TRIP_STARTED, "rental.trip_started", ingest.start_trips),
        batched(RENTAL_TRIP_ENDED, "rental.trip_ended", ingest.end_trips),
        batched(RENTAL_LOCK_STATE_REPORTED, "rental.lock_state", ingest.record_lock_states),
        batched(RENTAL_FEEDBACK_SUBMITTED, "rental.feedback_submitted", ingest.receive_feedback),
        batched(RENTAL_INSURANCE_APPLIED, "rental.insurance_applied", ingest.receive_applications),
    ]


def subscriptions(deps: Deps) -> list[Subscription[Any]]:
    return [*platform_subscriptions(deps), *account_subscriptions(AccountDeps.of(deps))]
