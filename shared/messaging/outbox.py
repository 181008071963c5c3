"""The transactional outbox and its relay.

A handler calls :func:`enqueue` inside the transaction that changes state, so the
message exists exactly when the change does. The relay publishes unsent rows in
id order and marks them sent; ``pg_notify`` fires on commit, which wakes the
relay at once (a slow poll is the safety net for a missed notification).

A unit of work of a process whose relay runs (``UnitOfWork.relay``) needs neither the
notification nor the relay's read: once its transaction commits, it hands the rows it
queued to its own relay's :meth:`OutboxRelay.dispatch`, which publishes them from memory
and then marks them sent, in one round trip and without a transaction held open over the
broker's acknowledgement. Such rows wake no listener (``outbox_wake`` with no channel,
shared migration 0007). What a crash, a stop or a failed publish leaves unsent the relay
takes as before: at its start, on its slow poll, or woken by the failure. A row may then
go twice (it was published, its mark was lost); the consumers' inbox drops the second.

Sent rows are kept ``KEFU_OUTBOX_RETENTION_SECONDS``. The relay also watches the
broker's cluster id (itself, or told by the consumers' watchdog, whose check reads it
anyway): when it changes (the embedded broker restarted and lost every
message; on Apache Kafka it never does), the rows sent in the last
``KEFU_OUTBOX_REPUBLISH_SECONDS`` are marked unsent and go again. Consumers are
idempotent (the inbox), so what they had already applied is dropped; what they had
not is not lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind

from shared.contracts import Contract, Topic
from shared.db import renumbered
from shared.db.listen import ChannelListener
from shared.db.sandbox import OWN_COMMIT_UNFLUSHED
from shared.messaging import cloudevents
from shared.observability.changes import outbox_changes
from shared.observability.messaging import end_send_span, send_attributes
from shared.stopping import cancel_and_wait
from shared.telemetry import context_from, current_traceparent, spans_recorded, tracer

log = logging.getLogger(__name__)
CHANNEL = "kefu_outbox"


async def enqueue(
    conn: asyncpg.Connection,
    topic: Topic[Any],
    payload: Contract,
    *,
    source: str,
    ce_id: str | None = None,
) -> str:
    """Leave a message in the outbox, in the caller's transaction. Returns its ``ce_id``."""
    row = outgoing(topic, payload, source=source, ce_id=ce_id)
    await queue(conn, row)
    return str(row[0])


async def queue(conn: asyncpg.Connection, row: tuple[object, ...]) -> None:
    """Write an outbox row (:func:`outgoing`'s) in the caller's transaction."""
    await conn.execute(_QUEUE, *row)


def outgoing(
    topic: Topic[Any],
    payload: Contract,
    *,
    source: str,
    ce_id: str | None = None,
    wake: bool = True,
) -> tuple[object, ...]:
    """A message as the parameters of its outbox row, in :func:`queueing`'s order: for a
    statement that queues it along with other work (a saga's step and the command it
    sends), one round trip for both. ``wake``: its commit notifies the relays (False: the
    writer hands it to its own relay's :meth:`OutboxRelay.dispatch` instead)."""
    if not isinstance(payload, topic.model):
        raise TypeError(
            f"{topic.name} carries {topic.model.__name__}, not {type(payload).__name__}"
        )
    ce_id = ce_id or str(uuid.uuid4())
    headers = cloudevents.make_headers(
        ce_type=topic.ce_type, source=source, ce_id=ce_id, traceparent=current_traceparent()
    )
    return (
        uuid.UUID(ce_id),
        topic.name,
        topic.key_of(payload),
        headers,
        payload.model_dump_json().encode(),
        CHANNEL if wake else "",
    )


# The row and the relay's wake-up (delivered on commit) in one statement; the wake-up is
# the row source, so it runs exactly when the row is written, in a CTE of a larger statement
# too (a data-modifying CTE always runs; a SELECT one only when read). ``outbox_wake``
# notifies ``$6`` unless it is empty (shared migration 0007).
_QUEUE = (
    "INSERT INTO outbox (ce_id, topic, key, headers, payload)"
    " SELECT $1::uuid, $2::text, $3::text, $4::jsonb, $5::bytea FROM outbox_wake($6)"
)


OUTGOING_PARAMETERS = 6
"""How many parameters :func:`outgoing` gives (and :func:`queueing` takes)."""


@functools.cache
def queueing(first: int, when: str | None = None) -> str:
    """:func:`enqueue`'s statement as a CTE named ``queued``, its parameters numbered from
    ``$first`` (:func:`outgoing`'s six); ``when``: a condition of the enclosing statement
    without which neither the row nor the wake-up is written (a gate evaluated once, before
    ``outbox_wake`` runs)."""
    gate = f" WHERE {when}" if when else ""
    return "queued AS (" + renumbered(_QUEUE, first) + gate + ")"


def outgoing_all(rows: Sequence[tuple[object, ...]]) -> tuple[object, ...]:
    """Several messages' outbox rows (each :func:`outgoing`'s) as the parameters of
    :func:`queueing_all`: a column an array, in the rows' order, and the channel (none
    when no row asks for a wake-up)."""
    channel = CHANNEL if any(row[OUTGOING_PARAMETERS - 1] for row in rows) else ""
    return (*([row[i] for row in rows] for i in range(OUTGOING_PARAMETERS - 1)), channel)


# The rows of a batch and one wake-up, in one statement. Their ids are drawn in the
# arrays' order (the ORDER BY feeds the insert), so the relay sends them in that order.
_QUEUE_ALL = (
    "INSERT INTO outbox (ce_id, topic, key, headers, payload)"
    " SELECT m.ce_id, m.topic, m.key, m.headers, m.payload FROM outbox_wake($6),"
    " unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::bytea[])"
    " WITH ORDINALITY AS m (ce_id, topic, key, headers, payload, n) ORDER BY m.n"
)


@functools.cache
def queueing_all(first: int) -> str:
    """:func:`queueing` for several messages: a CTE named ``queued`` writing the rows
    :func:`outgoing_all` gives (six parameters from ``$first``), in their order."""
    return "queued AS (" + renumbered(_QUEUE_ALL, first) + ")"


TAKE_UNSENT = (
    "UPDATE outbox SET sent_at = now() WHERE id IN (SELECT id FROM outbox"
    " WHERE sent_at IS NULL AND ce_id <> ALL($2::uuid[]) ORDER BY id LIMIT $1"
    " FOR UPDATE SKIP LOCKED) RETURNING id, topic, key, headers, payload"
)
"""A relay pass's rows (at most ``$1``, oldest first, none another relay holds, none
this process is dispatching: ``$2``), marked sent. The new version of a marked row stays
on its page when the page has room (the table's fillfactor, shared migration 0006): its
WAL record then carries only what changed, not the whole message again."""


_BEGIN_UNFLUSHED = "BEGIN; SET LOCAL synchronous_commit = off"
"""A relay pass's transaction, begun in one round trip with its setting: the mark commits
without waiting for the disk, so the next pass (the relay runs one at a time, on every
message's way) need not wait a flush behind it. A mark lost in a crash sends its rows
again, which the consumers' inbox drops; the rows themselves were flushed by the
transactions that wrote them."""


MARK_SENT = (
    f"UPDATE outbox SET sent_at = now() FROM {OWN_COMMIT_UNFLUSHED} AS unflushed"
    " WHERE ce_id = ANY($1::uuid[]) AND sent_at IS NULL"
)
"""Dispatched rows, acknowledged by the broker, marked sent: one statement, its own
transaction, committed without waiting for the disk (a mark lost in a crash sends the rows
again, which the consumers' inbox drops)."""


Message = tuple[str, str, dict[str, str] | str, bytes]
"""What a publish needs of a row: its topic, key, headers and payload."""


_COMMIT_AND_BEGIN_UNFLUSHED = f"COMMIT; {_BEGIN_UNFLUSHED}"
"""A pass's commit and the next pass's transaction in one round trip: when a message was
queued during the pass (its notification came) or the pass was full, the next pass follows
at once, so its BEGIN need not wait for a round trip of its own. Between passes the
connection is idle in that transaction only while the loop goes round to the next take."""


_RELAYS: dict[int, OutboxRelay] = {}
"""The running relays of this process, by their pool's id."""


def relay_of(pool: asyncpg.Pool) -> OutboxRelay | None:
    """The relay running in this process on ``pool``, if one does: where a unit of work on
    that pool hands what it queued (:meth:`OutboxRelay.dispatch`)."""
    return _RELAYS.get(id(pool))


class OutboxRelay:
    """Publishes the outbox to Kafka. Safe to run in several replicas (SKIP LOCKED)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        poll_seconds: float = 30.0,
        retention_seconds: float = 86_400.0,
        republish_seconds: float = 3_600.0,
        cluster_check_seconds: float = 2.0,
        bootstrap: str | None = None,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._batch_size = batch_size
        self._poll = poll_seconds
        self._retention = retention_seconds
        self._republish = min(republish_seconds, retention_seconds)
        self._cluster_check = cluster_check_seconds
        self._bootstrap = bootstrap
        self._watch: asyncio.Task[None] | None = None
        self._cluster_seen = ""
        self.republished = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # woken at once by a commit's notification; when the listening connection is
        # lost, woken to look (and the slow poll covers it) until one listens again
        self.listener = ChannelListener(
            pool, CHANNEL, self._on_notify, on_lost=self._wake.set, on_back=self._wake.set
        )
        self.published = 0
        self._last_purge = 0.0
        self.healthy = True
        self._dispatched: list[tuple[object, ...]] = []
        self.dispatching: set[uuid.UUID] = set()
        """The ce_ids of the rows handed to :meth:`dispatch` and not yet published and
        marked (or given up): the relay's own passes leave them alone."""
        self._dispatch_wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.listener.start()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")
        self._dispatcher = asyncio.create_task(self._dispatch_loop(), name="outbox-dispatch")
        _RELAYS[id(self._pool)] = self
        if self._bootstrap is not None:
            self._watch = asyncio.create_task(self._watch_cluster(), name="outbox-cluster")

    async def stop(self) -> None:
        # what is still to dispatch stays unsent: the next start's first pass takes it
        if _RELAYS.get(id(self._pool)) is self:
            del _RELAYS[id(self._pool)]
        await cancel_and_wait((self._watch, self._task, self._dispatcher))
        self._dispatched.clear()
        self.dispatching.clear()
        await self.listener.stop()

    def dispatch(self, rows: Sequence[tuple[object, ...]]) -> None:
        """Rows (:func:`outgoing`'s) that a transaction of this process queued and has just
        committed: published from memory, in the order handed, then marked sent. Called
        only once the transaction committed (an ``after_commit`` effect): a row that was
        never written must not go. Not dispatching (stopped, or its task ended): the relay's
        own passes take them (woken now if it runs; else at the next start)."""
        if self._dispatcher is None or self._dispatcher.done():
            self._wake.set()
            return
        self.dispatching.update(_ce_id(row) for row in rows)
        self._dispatched.extend(rows)
        self._dispatch_wake.set()

    def wake(self) -> None:
        """Look for unsent rows now (a transaction of this process may have queued one it
        could not hand to :meth:`dispatch`)."""
        self._wake.set()

    async def _dispatch_loop(self) -> None:
        # one dispatch at a time, in the order handed: what commits meanwhile goes next,
        # together (the batch a busy process makes, as the relay's passes do)
        while True:
            await self._dispatch_wake.wait()
            self._dispatch_wake.clear()
            while self._dispatched:
                rows = self._dispatched[: self._batch_size]
                del self._dispatched[: self._batch_size]
                try:
                    await self._dispatch(rows)
                except Exception:  # a bug: the relay's passes take the rows, and this goes on
                    log.exception("outbox dispatch broke; the relay sends these")
                    self.dispatching.difference_update(_ce_id(row) for row in rows)
                    self._wake.set()

    async def _dispatch(self, rows: list[tuple[object, ...]]) -> None:
        ids = [_ce_id(row) for row in rows]
        left = False
        try:
            try:
                await self._publish([_message_of(row) for row in rows])
            except Exception as exc:  # the relay's passes take them, and retry
                log.warning(
                    "outbox dispatch failed; the relay sends these",
                    extra={"fields": {"messages": len(rows), "error": repr(exc)}},
                )
                left = True
                return
            try:
                async with self._pool.acquire() as conn:
                    await conn.execute(MARK_SENT, ids)
            except Exception as exc:  # published: the relay sends them again, once
                log.warning(
                    "dispatched messages not marked sent; they go again",
                    extra={"fields": {"messages": len(rows), "error": repr(exc)}},
                )
                left = True
                return
            self.published += len(rows)
            outbox_changes.tell()
        finally:
            self.dispatching.difference_update(ids)
            if left:
                self._wake.set()

    def _on_notify(self, _payload: str) -> None:
        self._wake.set()

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            published = self.published
            try:
                full = await self._passes() >= self._batch_size
                was_healthy, self.healthy = self.healthy, True
                backoff = 0.2
            except Exception as exc:  # Kafka or the database away: keep the rows, try again
                self.healthy = False
                log.warning("outbox relay failed; retrying", extra={"fields": {"error": repr(exc)}})
                outbox_changes.tell()  # the backlog's age grows while this fails
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            await self._purge_sent()
            if self.published != published or not was_healthy:
                outbox_changes.tell()  # the backlog gauges: an empty pass changes nothing
            if full:  # the passes stopped for the purge with rows left: straight on
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    def _purge_due(self) -> bool:
        return asyncio.get_running_loop().time() - self._last_purge >= 60

    async def _purge_sent(self) -> None:
        # Sent rows stay for the retention window (a re-publish needs them), then go;
        # at most once a minute.
        if not self._purge_due():
            return
        self._last_purge = asyncio.get_running_loop().time()
        async with self._pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)",
                self._retention,
            )

    async def _watch_cluster(self) -> None:
        """Every few seconds: is the broker still the cluster we published to? Only until
        :meth:`cluster_told` (a process with consumers: their watchdog's check reads it)."""
        assert self._bootstrap is not None
        admin: AIOKafkaAdminClient | None = None
        try:
            while True:
                try:
                    if admin is None:
                        admin = AIOKafkaAdminClient(
                            bootstrap_servers=self._bootstrap, request_timeout_ms=5000
                        )
                        await admin.start()
                    # describe_cluster() asks for every topic and converts them all to
                    # dicts; a metadata request for no topic carries the cluster id alone
                    found = getattr(await admin._get_cluster_metadata([]), "cluster_id", None)
                    if found:
                        await self.cluster_read(str(found))
                except Exception as exc:  # the broker is away: the relay's own loop says so
                    log.debug("cluster id not read", extra={"fields": {"error": repr(exc)}})
                    if admin is not None:
                        with contextlib.suppress(Exception):
                            await admin.close()
                        admin = None
                await asyncio.sleep(self._cluster_check)
        finally:
            if admin is not None:
                with contextlib.suppress(Exception):
                    await admin.close()

    @property
    def looks_at_cluster(self) -> bool:
        """Whether the relay reads the cluster id itself (not told it by a check)."""
        return self._watch is not None and not self._watch.done()

    async def cluster_told(self) -> None:
        """From now on the cluster id comes by :meth:`cluster_read` from a check that reads
        the broker's metadata anyway: the relay's own look (a connection and a request every
        few seconds) stops."""
        await cancel_and_wait((self._watch,))
        self._watch = None

    async def cluster_read(self, cluster_id: str) -> None:
        """The broker's cluster id as just read; the database only when it changed."""
        if cluster_id != self._cluster_seen:
            await self.seen_cluster(cluster_id)
            self._cluster_seen = cluster_id

    async def seen_cluster(self, cluster_id: str) -> int:
        """Record the broker's cluster id; if it changed, re-publish the window. Returns how
        many rows go again."""
        async with self._pool.acquire() as conn, conn.transaction():
            known = await conn.fetchval(
                "SELECT cluster_id FROM kafka_cluster WHERE singleton FOR UPDATE"
            )
            if known == cluster_id:
                return 0
            await conn.execute(
                "INSERT INTO kafka_cluster (cluster_id) VALUES ($1) ON CONFLICT (singleton)"
                " DO UPDATE SET cluster_id = excluded.cluster_id, seen_at = now()",
                cluster_id,
            )
            if known is None:
                return 0
            resent = int(
                await conn.fetchval(
                    "WITH again AS (UPDATE outbox SET sent_at = NULL"
                    " WHERE sent_at > now() - make_interval(secs => $1) RETURNING 1)"
                    " SELECT count(*) FROM again",
                    self._republish,
                )
            )
        self.republished += resent
        log.warning(
            "the broker restarted (new cluster id): re-publishing what was sent before",
            extra={
                "fields": {
                    "was": known,
                    "now": cluster_id,
                    "messages": resent,
                    "window_seconds": self._republish,
                }
            },
        )
        self._wake.set()
        return resent

    async def relay_once(self) -> int:
        """Publish one batch; return how many rows it held (0 when the outbox is drained)."""
        return await self._passes(chain=False)

    async def _passes(self, *, chain: bool = True) -> int:
        """With ``chain`` (the relay's loop), passes on one connection for as long as each
        is followed at once: it was full, or a message was queued during it (its
        notification came). Such a pass commits in the next one's BEGIN
        (:data:`_COMMIT_AND_BEGIN_UNFLUSHED`); the last one, short and with nothing queued
        meanwhile, drained the outbox (what is queued after its read notifies, and the
        wake-up sends the loop round again: no empty pass to look). The chain also ends
        when the purge is due, for the loop to run it. Returns the last pass's rows."""
        async with self._pool.acquire() as conn:
            await conn.execute(_BEGIN_UNFLUSHED)
            try:
                while True:
                    if chain:  # cleared before looking: a notification from now on comes
                        self._wake.clear()  # from a commit this pass's read may miss
                    taken = await self._take(conn)
                    again = taken >= self._batch_size or self._wake.is_set()
                    if not chain or not again or self._purge_due():
                        break
                    await conn.execute(_COMMIT_AND_BEGIN_UNFLUSHED)
                    self.published += taken
                    outbox_changes.tell()
            except BaseException:
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
        self.published += taken
        return taken

    async def _take(self, conn: asyncpg.Connection) -> int:
        """One pass in ``conn``'s transaction: take the rows and publish them."""
        # taken and marked sent in one round trip: the mark commits only once the broker
        # has acknowledged every message (a failed send rolls it back)
        rows = await conn.fetch(TAKE_UNSENT, self._batch_size, list(self.dispatching))
        if rows:
            rows = sorted(rows, key=lambda r: r["id"])  # RETURNING keeps no order
            await self._publish(
                [(r["topic"], r["key"], r["headers"], bytes(r["payload"])) for r in rows]
            )
        return len(rows)

    async def _publish(self, rows: list[Message]) -> None:
        """Send the rows as one closed batch per partition (another when one is full), each
        in id order, and wait until the broker has them all.

        The producer's own ``send`` holds each message for its linger, a wait on every hop
        of a saga; closed batches go at once, all of a pass in one produce request. A key
        goes to the partition the producer's ``send`` would choose."""
        batches: dict[tuple[str, int], list[_Batch]] = {}
        futures: list[asyncio.Future[Any]] = []
        partitions_of: dict[str, list[int]] = {}
        recorded = spans_recorded()
        try:
            for topic, key_text, stored, value in rows:
                key = key_text.encode()
                partitions = partitions_of.get(topic)
                if partitions is None:
                    partitions = sorted(await self._producer.partitions_for(topic))
                    partitions_of[topic] = partitions
                headers = _headers(stored)
                span = None
                if recorded:
                    span, headers = _send_span(topic, key_text, headers, value)
                message = (key, value, cloudevents.encode(headers), span)
                partition = _PARTITIONER(key, partitions, partitions)
                open_ = batches.setdefault((topic, partition), [])
                if not open_ or not open_[-1].append(*message):  # full: it opens the next
                    open_.append(_Batch(self._producer.create_batch()))
                    open_[-1].append(*message)  # an empty batch takes any message
            for (topic, partition), each in batches.items():
                for batch in each:
                    futures.append(await batch.send(self._producer, topic, partition))
        except BaseException as exc:
            for batch in (b for each in batches.values() for b in each if b.sending is None):
                batch.failed(exc)
            raise
        await asyncio.gather(*futures)


_PARTITIONER = DefaultPartitioner()


class _Batch:
    """One partition's messages of a pass, and their publish spans."""

    def __init__(self, builder: BatchBuilder) -> None:
        self.builder = builder
        self.spans: list[Span] = []
        self.sending: asyncio.Future[Any] | None = None

    def append(
        self, key: bytes, value: bytes, headers: list[tuple[str, bytes]], span: Span | None
    ) -> bool:
        """Add a message and its publish span (None: no span is recorded); False if the
        batch is full."""
        if self.builder.append(timestamp=None, key=key, value=value, headers=headers) is None:
            return False
        if span is not None:
            self.spans.append(span)
        return True

    async def send(
        self, producer: AIOKafkaProducer, topic: str, partition: int
    ) -> asyncio.Future[Any]:
        self.builder.close()  # closed, the producer sends it at once instead of lingering
        self.sending = await producer.send_batch(self.builder, topic, partition=partition)
        self.sending.add_done_callback(self._sent)
        return self.sending

    def _sent(self, done: asyncio.Future[Any]) -> None:
        for index, span in enumerate(self.spans):
            end_send_span(span, done, index=index)

    def failed(self, exc: BaseException) -> None:
        for span in self.spans:
            end_send_span(span, None, exc)


def _ce_id(row: tuple[object, ...]) -> uuid.UUID:
    ce_id = row[0]
    assert isinstance(ce_id, uuid.UUID)
    return ce_id


def _message_of(row: tuple[object, ...]) -> Message:
    """What :func:`outgoing` gave, as a publish needs it."""
    topic, key, headers, payload = row[1:5]
    assert isinstance(topic, str) and isinstance(key, str) and isinstance(payload, bytes)
    assert isinstance(headers, dict)
    return topic, key, headers, payload


def _headers(stored: dict[str, str] | str) -> dict[str, str]:
    return json.loads(stored) if isinstance(stored, str) else stored


def _send_span(
    topic: str, key: str, headers: dict[str, str], value: bytes
) -> tuple[Span, dict[str, str]]:
    """The publish span of a row, and the headers it goes with, when spans may be recorded
    (without, the message carries the writer's trace context as it is, as it would past a
    span that is not recorded, and nothing is built per message for no reader).

    The span is a child of the request that wrote the row, and the message carries it on:
    one trace across the relay. It ends when the broker acknowledges, with the partition
    and offset it gave."""
    span = tracer(__name__).start_span(
        f"send {topic}",
        context=context_from(headers),
        kind=SpanKind.PRODUCER,
        attributes=send_attributes(topic, key, headers.get("ce_id", ""), len(value)),
    )
    with trace.use_span(span, end_on_exit=False):
        tp = current_traceparent()
        if tp and span.is_recording():
            headers = {**headers, "traceparent": tp}
    return span, headers


async def outbox_backlog(conn: asyncpg.Connection) -> tuple[int, float]:
    """Unsent messages and the age in seconds of the oldest."""
    row = await conn.fetchrow(
        "SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age"
        " FROM outbox WHERE sent_at IS NULL"
    )
    assert row is not None
    return int(row["n"]), float(row["age"])
