"""The consumer runtime: validate, dedupe, apply, and route failures.

For every message a subscriber receives:

* headers without CloudEvents ids, or a payload its contract rejects, go to
  ``<topic>.dlq`` with the reason in headers: retrying cannot fix them;
* a message seen before (its ``ce_id`` is in the inbox) is skipped;
* the handler runs in one transaction with the inbox row;
* a :class:`~shared.errors.DomainError` (a rule broken for good) goes to the DLQ;
* a :class:`~shared.errors.RetryLater` or an unexpected error parks the message
  in ``parked_messages``: retried with back-off and DLQ'd only after
  ``retry_max_attempts``, so nothing accepted is lost and the partition keeps
  moving;
* if even parking fails (database away), the batch is nacked after a pause and
  Kafka redelivers it: no offset is committed for work that did not happen.

Messages that arrive together share one transaction, for throughput:

* a subscription marked ``together`` runs its ``handler`` for each message of the batch
  one after another, each in its own trace, without a savepoint each (a savepoint is two
  round trips and a subtransaction per message, and most batches fail nowhere); when one
  raises, the transaction is rolled back and the batch run again with a savepoint each
  (:func:`one_by_one`), so only that message is parked or dead-lettered. Its effects
  must all be in this database, which the rollback undid;
* a ``batch_handler`` applies the whole batch itself and returns the messages it could
  not settle, with why: the batch commits its batch-mates' effects, and only those are
  parked or dead-lettered. A handler whose messages have outside effects (a provider
  called) settles each message's failure itself, so a provider call that happened is
  not made again because of another message. A batch handler that raises is rolled
  back whole and its messages applied one at a time, as after a crash.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeAlias, TypeVar

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from pydantic import ValidationError

from shared.contracts import Contract, Topic
from shared.db.after_commit import collected, kept, made
from shared.errors import DomainError
from shared.messaging import cloudevents, inbox
from shared.observability import messaging as observed
from shared.observability.changes import outbox_changes
from shared.settings import Settings
from shared.telemetry import context_from, spans_recorded, tracer

log = logging.getLogger(__name__)
M = TypeVar("M", bound=Contract)
Conn: TypeAlias = asyncpg.Connection  # asyncpg is untyped: an alias for readability


@dataclass(frozen=True)
class RawMessage:
    """A message as it came off Kafka (or out of the parking table)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    value: bytes

    @classmethod
    def of(cls, record: Any) -> RawMessage:
        return cls(
            record.topic,
            record.partition,
            record.offset,
            record.key,
            tuple(record.headers or ()),
            record.value or b"",
        )


@dataclass(frozen=True)
class Envelope(Generic[M]):
    payload: M
    meta: cloudevents.EventMeta
    raw: RawMessage


@dataclass(frozen=True)
class Unsettled(Generic[M]):
    """A message of a batch its handler could not settle, and why."""

    envelope: Envelope[M]
    error: Exception


Handler = Callable[[Conn, Envelope[M]], Awaitable[None]]
BatchHandler = Callable[[Conn, list[Envelope[M]]], Awaitable[Sequence[Unsettled[M]] | None]]

DATABASE_AWAY = (OSError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError)
"""Errors that mean the database is away, not that the message is bad: the batch is
redelivered instead of its messages parked."""


async def one_by_one(
    conn: Conn, envelopes: Sequence[Envelope[M]], apply: Handler[M]
) -> list[Unsettled[M]]:
    """Apply each message in its own savepoint: one that fails is returned, the others keep
    their effects in the batch's transaction."""
    unsettled: list[Unsettled[M]] = []
    for env in envelopes:
        try:
            with collected() as effects:
                async with conn.transaction():
                    await apply(conn, env)
            kept(effects)
        except DATABASE_AWAY:
            raise
        except Exception as exc:
            unsettled.append(Unsettled(env, exc))
    return unsettled


def batch_links(envelopes: Sequence[Envelope[Any]]) -> list[Link]:
    """A batch span's links to its first messages' traces; none when no span is recorded
    (each link is its message's trace context parsed again, for a span nobody reads)."""
    if not spans_recorded():
        return []
    return [
        Link(trace.get_current_span(context_from(e.meta.carrier)).get_span_context())
        for e in envelopes[:32]
        if e.meta.traceparent
    ]


class _Spoiled(Exception):
    """A message of a batch run without savepoints raised (its cause): the batch's
    transaction is rolled back whole."""


async def _together(apply: Handler[M], conn: Conn, envelopes: Sequence[Envelope[M]]) -> None:
    for env in envelopes:
        try:
            await apply(conn, env)
        except DATABASE_AWAY:
            raise
        except Exception as exc:
            raise _Spoiled() from exc


@dataclass(frozen=True)
class Subscription(Generic[M]):
    topic: Topic[M]
    handler: Handler[M]
    name: str
    """The inbox's consumer name: one per handler, stable across releases."""
    batch_handler: BatchHandler[M] | None = None
    consumers: int = 1
    """Kafka consumers of the service's group that read this topic in the process; more
    than one: they read it alone (the others share one consumer, and
    shared.messaging.subscribe.members says who reads what). With two, one parses its
    batch while the other's is in PostgreSQL (each owns whole partitions, so per-key order
    holds). For high-volume ingest topics."""
    together: bool = False
    """A batch of two or more: ``handler`` for each message in one transaction, with no
    savepoint each unless one fails (the module's docstring). Ignored with a
    ``batch_handler``."""
    batch_size: int | None = None
    """Most messages in one batch; None: ``KEFU_CONSUMER_BATCH_SIZE``. A batch is only as
    large as the backlog, so a larger bound costs no latency when traffic is light."""
    lock_key: Callable[[M], str] | None = None
    """A key each message's effects are serialised on (a refund id): the runtime takes a
    transaction-level advisory lock on each key of a batch (:data:`inbox.KEY_LOCK`, in key
    order) in the statement that claims the batch's ids in the inbox, before it, so the
    batch's handler need not lock them in a round trip of its own. On the batch path
    (``batch_handler`` or ``together``), which then takes a batch of one too; ``handler``
    applied alone (a parked retry, a batch applied one at a time) locks for itself."""


PARKED_BACKSTOP_SECONDS = 30.0
"""The longest the parked-message loop sleeps: what another replica parked (and did not
retry, having died) is picked up within it."""
PARKED_RETRY_AFTER_FAILURE_SECONDS = 1.0


class Rejected(Exception):
    """The message can never be applied; ``code`` names why (the DLQ reason)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ConsumerRuntime:
    def __init__(
        self,
        service: str,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        settings: Settings,
    ) -> None:
        self.service = service
        self.pool = pool
        self.producer = producer
        self.settings = settings
        self.group = observed.group_id(service)
        """The service's one consumer group (shared.messaging.subscribe)."""
        self.subscriptions: dict[str, Subscription[Any]] = {}
        self._tracer = tracer(__name__)
        self._parked = asyncio.Event()

    def add(self, sub: Subscription[Any]) -> None:
        self.subscriptions[sub.name] = sub
        observed.dead_letters_known(sub.topic.dlq)

    def group_of(self, sub: Subscription[Any]) -> str:
        return self.group

    # --- the path of a batch -------------------------------------------------

    async def process(self, sub: Subscription[Any], records: Sequence[Any]) -> None:
        envelopes: list[Envelope[Any]] = []
        for raw in map(RawMessage.of, records):
            try:
                envelopes.append(self.parse(sub, raw))
            except Rejected as rejected:
                started = time.perf_counter()
                await self.dead_letter(sub, raw, rejected.code, str(rejected))
                observed.processed(sub.topic.name, self.group_of(sub), "dlq", started)
        if not envelopes:
            return
        batched = sub.batch_handler is not None or sub.together
        if batched and (len(envelopes) > 1 or sub.lock_key is not None):
            try:
                unsettled = await self._apply_batch(sub, envelopes)
            except Exception as exc:  # one bad message spoils the batch: isolate it
                log.info(
                    "batch failed; applying one at a time",
                    extra={"fields": {"consumer": sub.name, "error": repr(exc)}},
                )
            else:
                for left in unsettled:
                    await self.settle_failure(sub, left.envelope, left.error, time.perf_counter())
                return
        for env in envelopes:
            await self.apply_or_park(sub, env)

    def parse(self, sub: Subscription[M], raw: RawMessage) -> Envelope[M]:
        try:
            meta = cloudevents.parse(raw.headers)
        except cloudevents.InvalidHeaders as exc:
            raise Rejected("invalid_headers", str(exc)) from exc
        try:
            payload = sub.topic.model.model_validate_json(raw.value)
        except ValidationError as exc:
            errors = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise Rejected("invalid_payload", errors) from exc
        return Envelope(payload, meta, raw)

    async def _apply_batch(
        self, sub: Subscription[Any], envelopes: list[Envelope[Any]]
    ) -> list[Unsettled[Any]]:
        """Apply the batch in one transaction; return the messages its handler left."""
        if sub.batch_handler is not None:
            return await self._in_batch(sub, envelopes, sub.batch_handler)
        traced = self._traced(sub)
        try:
            return await self._in_batch(sub, envelopes, functools.partial(_together, traced))
        except _Spoiled as spoiled:
            log.info(
                "a message of a batch failed; the batch again with a savepoint each",
                extra={"fields": {"consumer": sub.name, "error": repr(spoiled.__cause__)}},
            )
        return await self._in_batch(sub, envelopes, lambda c, es: one_by_one(c, es, traced))

    def _traced(self, sub: Subscription[M]) -> Handler[M]:
        """``sub.handler`` in the message's own trace (one message of a batch)."""

        async def traced(conn: Conn, env: Envelope[M]) -> None:
            with self._span(sub, parent=env):
                await sub.handler(conn, env)

        return traced

    async def _in_batch(
        self,
        sub: Subscription[Any],
        envelopes: list[Envelope[Any]],
        apply: BatchHandler[Any],
    ) -> list[Unsettled[Any]]:
        """Claim the batch's ids and ``apply`` the new ones, in one transaction; return the
        messages ``apply`` left."""
        # a batch of one (a subscription with a lock_key takes this path for one message
        # too) is processed in its message's trace, as the one-message path does
        alone = envelopes[0] if len(envelopes) == 1 else None
        links = batch_links(envelopes) if alone is None else []
        started = time.perf_counter()
        span = self._span(sub, parent=alone, links=links, batch=len(envelopes))
        with span, collected() as effects:
            async with self.pool.acquire() as conn, conn.transaction():
                keys = [sub.lock_key(e.payload) for e in envelopes] if sub.lock_key else []
                new = await inbox.claim_many(conn, sub.name, [e.meta.id for e in envelopes], keys)
                fresh = [e for e in envelopes if e.meta.id in new]
                # two copies of one message in one batch: apply the first only
                unique = list({e.meta.id: e for e in reversed(fresh)}.values())[::-1]
                unsettled: list[Unsettled[Any]] = []
                if unique:
                    unsettled = list(await apply(conn, unique) or ())
                if unsettled:  # not applied: their ids must not be recorded as seen
                    await inbox.release(conn, sub.name, [u.envelope.meta.id for u in unsettled])
        made(effects)
        group = self.group_of(sub)
        observed.processed(sub.topic.name, group, "ok", started, len(unique) - len(unsettled))
        observed.processed(
            sub.topic.name, group, "duplicate", started, len(envelopes) - len(unique)
        )
        return unsettled

    async def apply(self, sub: Subscription[Any], env: Envelope[Any]) -> bool:
        """Apply one message with its inbox row; False if it was seen before."""
        with self._span(sub, parent=env), collected() as effects:
            async with self.pool.acquire() as conn, conn.transaction():
                if not await inbox.claim(conn, sub.name, env.meta.id):
                    return False
                await sub.handler(conn, env)
        made(effects)
        return True

    async def apply_or_park(self, sub: Subscription[Any], env: Envelope[Any]) -> None:
        started = time.perf_counter()
        try:
            outcome = "ok" if await self.apply(sub, env) else "duplicate"
        except DATABASE_AWAY:
            observed.processed(sub.topic.name, self.group_of(sub), "error", started)
            raise  # the database is away: let Kafka redeliver
        except Exception as exc:
            await self.settle_failure(sub, env, exc, started)
            return
        observed.processed(sub.topic.name, self.group_of(sub), outcome, started)

    async def settle_failure(
        self, sub: Subscription[Any], env: Envelope[Any], exc: Exception, started: float
    ) -> None:
        """A message that could not be applied: parked for a retry, or dead-lettered."""
        outcome = "error"
        try:
            if isinstance(exc, DomainError) and not exc.retryable:
                await self.dead_letter(sub, env.raw, exc.code, exc.message)
                outcome = "dlq"
            elif isinstance(exc, DomainError):
                await self.park(sub, env.raw, env.meta.id, f"{exc.code}: {exc.message}")
                outcome = "parked"
            else:
                log.error(
                    "handler failed; parking",
                    exc_info=exc,
                    extra={"fields": {"consumer": sub.name}},
                )
                await self.park(sub, env.raw, env.meta.id, f"error: {exc!r}")
                outcome = "parked"
        finally:
            observed.processed(sub.topic.name, self.group_of(sub), outcome, started)

    # --- failure routes ------------------------------------------------------

    async def dead_letter(
        self, sub: Subscription[Any], raw: RawMessage, reason: str, error: str
    ) -> None:
        headers = [(k, v) for k, v in raw.headers if not k.startswith("kefu_dlq_")]
        headers += cloudevents.encode(
            {
                "kefu_dlq_reason": reason,
                "kefu_dlq_error": error[:2000],
                "kefu_dlq_topic": raw.topic,
                "kefu_dlq_partition": str(raw.partition),
                "kefu_dlq_offset": str(raw.offset),
                "kefu_dlq_consumer": sub.name,
                "kefu_dlq_at": datetime.now(UTC).isoformat(),
            }
        )
        future = await self.producer.send(
            sub.topic.dlq, value=raw.value, key=raw.key, headers=headers
        )
        await future  # the DLQ must have it before the offset moves on
        observed.dead_lettered(sub.topic.dlq, reason)
        outbox_changes.tell()  # the parked gauge, if it came from the parking table
        log.warning(
            "message dead-lettered",
            extra={"fields": {"consumer": sub.name, "reason": reason, "error": error[:500]}},
        )

    async def park(self, sub: Subscription[Any], raw: RawMessage, ce_id: str, reason: str) -> None:
        due = datetime.now(UTC) + timedelta(seconds=self.settings.retry_base_seconds)
        async with self.pool.acquire() as conn:
            await conn.execute(
                'INSERT INTO parked_messages (consumer, ce_id, topic, partition, "offset", key,'
                " headers, payload, reason, next_attempt_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                " ON CONFLICT (consumer, ce_id) DO NOTHING",
                sub.name,
                ce_id,
                raw.topic,
                raw.partition,
                raw.offset,
                raw.key,
                [[k, base64.b64encode(v).decode()] for k, v in raw.headers],
                raw.value,
                reason[:2000],
                due,
            )
        self._parked.set()  # the retry loop sleeps until the earliest due: this one may be sooner
        outbox_changes.tell()

    async def retry_parked(self, limit: int = 100) -> int:
        """Retry the parked messages that are due; return how many were tried."""
        with collected() as effects:
            rows = await self._retry_due(limit)
        made(effects)
        if rows:
            outbox_changes.tell()
        return rows

    async def _retry_due(self, limit: int) -> int:
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT * FROM parked_messages WHERE next_attempt_at <= now()"
                " AND consumer = ANY($1::text[])"
                " ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                list(self.subscriptions),
                limit,
            )
            for row in rows:
                await self._retry_one(conn, row)
        return len(rows)

    async def _retry_one(self, conn: Conn, row: asyncpg.Record) -> None:
        sub = self.subscriptions[row["consumer"]]
        raw = RawMessage(
            row["topic"],
            row["partition"],
            row["offset"],
            row["key"],
            tuple((k, base64.b64decode(v)) for k, v in row["headers"]),
            row["payload"],
        )
        env = self.parse(sub, raw)
        started = time.perf_counter()
        try:
            with self._span(sub, parent=env), collected() as effects:
                async with conn.transaction():  # a savepoint: a failure keeps the parked row
                    if await inbox.claim(conn, sub.name, env.meta.id):
                        await sub.handler(conn, env)
                    await conn.execute("DELETE FROM parked_messages WHERE id = $1", row["id"])
            kept(effects)
            observed.processed(sub.topic.name, self.group_of(sub), "ok", started)
            return
        except DomainError as exc:
            reason, final = f"{exc.code}: {exc.message}", not exc.retryable
        except Exception as exc:
            reason, final = f"error: {exc!r}", False
        attempts = row["attempts"] + 1
        if final or attempts > self.settings.retry_max_attempts:
            await self.dead_letter(sub, raw, "retries_exhausted" if not final else reason, reason)
            await conn.execute("DELETE FROM parked_messages WHERE id = $1", row["id"])
            observed.processed(sub.topic.name, self.group_of(sub), "dlq", started)
            return
        observed.processed(sub.topic.name, self.group_of(sub), "parked", started)
        delay = min(
            self.settings.retry_base_seconds * 2 ** (attempts - 1), self.settings.retry_max_seconds
        )
        # the back-off counts from now, not from this transaction's start (now()): a slow
        # attempt (a provider timing out) must not eat into the pause before the next
        await conn.execute(
            "UPDATE parked_messages SET attempts = $2, reason = $3,"
            " next_attempt_at = clock_timestamp() + make_interval(secs => $4) WHERE id = $1",
            row["id"],
            attempts,
            reason[:2000],
            delay,
        )

    async def next_parked_due(self) -> float:
        """Seconds until the earliest parked message of these subscriptions is due (at
        most :data:`PARKED_BACKSTOP_SECONDS`)."""
        async with self.pool.acquire() as conn:
            due = await conn.fetchval(
                "SELECT extract(epoch FROM min(next_attempt_at) - now()) FROM parked_messages"
                " WHERE consumer = ANY($1::text[])",
                list(self.subscriptions),
            )
        return (
            PARKED_BACKSTOP_SECONDS
            if due is None
            else min(max(float(due), 0.0), PARKED_BACKSTOP_SECONDS)
        )

    async def run_parked_retries(self) -> None:
        """Retry parked messages when they are due: asleep until the earliest is, or until
        this process parks one; never on a fixed timer."""
        failing = False
        while True:
            pause = PARKED_BACKSTOP_SECONDS
            try:
                self._parked.clear()
                while await self.retry_parked():
                    pass
                pause = await self.next_parked_due()
                if failing:
                    log.info("retrying parked messages works again")
                failing = False
            except Exception:
                if not failing:  # once per outage, not every pass of it
                    log.exception("retrying parked messages failed; trying on")
                failing = True
                pause = PARKED_RETRY_AFTER_FAILURE_SECONDS
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._parked.wait()

    @contextlib.contextmanager
    def _span(
        self,
        sub: Subscription[Any],
        *,
        parent: Envelope[Any] | None = None,
        links: Sequence[Link] = (),
        batch: int | None = None,
    ) -> Any:
        raw = parent.raw if parent is not None else None
        attributes = observed.process_attributes(
            sub.topic.name,
            self.group_of(sub),
            message_id=parent.meta.id if parent is not None else None,
            partition=raw.partition if raw is not None else None,
            offset=raw.offset if raw is not None else None,
            key=raw.key if raw is not None else None,
            size=len(raw.value) if raw is not None else None,
            batch=batch,
        )
        ctx = context_from(parent.meta.carrier) if parent is not None else None
        with self._tracer.start_as_current_span(
            f"process {sub.topic.name}",
            context=ctx,
            kind=SpanKind.CONSUMER,
            links=links,
            attributes=attributes,
            record_exception=True,
            set_status_on_exception=True,
        ) as span:
            try:
                yield span
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, repr(exc)))
                raise
