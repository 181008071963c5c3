"""A long-poll front for the embedded broker: a fetch is answered when a message arrives.

Tansu 0.6 does not answer a fetch on arrival as Apache Kafka does: it looks at once, then
at half the wait, then at half the rest, ... (BROKER.md). So every consumer traded wake-ups
against latency. This process listens on the broker's port, starts Tansu as its child on
a port of its own (advertising this front's address, so metadata sends clients back here)
and forwards each client connection to Tansu on a connection of its own: every request
passes byte for byte and is answered in order, so ApiVersions, groups and ordering stay
Tansu's. Except:

- a Fetch (the non-flexible versions aiokafka sends, 0-11; any other passes unchanged) is
  asked of Tansu with a wait of 0. An answer with no records and no error is held until a
  Produce to one of its partitions is acknowledged (the front sees every Produce), the
  client's own wait runs out, or the client sends its next request on that connection
  (answers go in order, so that request would wait behind it: Apache Kafka answers it
  after the fetch too, and there the wait is short); then it is asked again.
- a Produce wakes the held fetches of its partitions once Tansu has acknowledged it
  (``acks=0``: once forwarded; a woken fetch that still finds nothing is held again).
- a Fetch from the end of each of its partitions is held before it is asked at all: the
  front knows where each partition's log ends (Tansu starts empty with it, and every
  Produce passes it: the offset Tansu gives a produce and the records it carried).
- a Fetch (v4-11, uncommitted records, no session) whose every partition asks from the
  recent batches the front forwarded (its tail, with the offsets Tansu gave them) or from
  the known end is answered by the front, Tansu not asked: Tansu's memory storage lists
  every batch a partition holds on each fetch, so asking it got dearer per message for as
  long as it ran (docs/architecture.md, the embedded broker).

Every request passes this process, so it is written for its CPU per message: each side of a
connection is an :class:`asyncio.Protocol` (no streams, no task or future per request); the
bytes read are cut into frames in place and forwarded as slices of what was read, the frames
of one read in one write; only the header is read of most requests, and of a Produce, a
Fetch and a Fetch's answer only what names their partitions, walking past record sets
without copying them (a Produce's batches are copied once, for the tail, when Tansu has
acknowledged them).

One process to kill: Tansu is told to die with this process (``PR_SET_PDEATHSIG``), and
this process exits when Tansu does, with its code. SIGINT or SIGTERM: close the clients,
stop Tansu, exit.

``python -m shared.devstack.broker_front PORT TANSU_PORT -- TANSU BROKER ARGS...``
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import ctypes
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol, cast

PRODUCE, FETCH, DELETE_TOPICS = 0, 1, 20
LAST_FETCH_VERSION = 11
"""Fetch v12 and later are flexible (tagged fields): they pass through unchanged."""
LAST_PRODUCE_VERSION = 8
LOOK_WAIT_MS = 1
"""The wait the front asks Tansu for: with 0 it answers at once with no partitions at all."""
PARTIAL_HOLD_SECONDS = 0.02
SETTLE_SECONDS = 0.2
"""How long after Tansu acknowledges a produce a fetch may still not see it: Tansu
acknowledged some produces before a fetch of the partition found them (a look right after
the acknowledgement came back empty, and the fetch held until its wait ran out). An empty
look this soon after a produce to its partitions is looked at again, at doubling delays,
instead of held until the next produce."""
KNOWN_LOOK_SECONDS = 0.5
"""How often a fetch looks again while Tansu's answers lack records the front knows it
acknowledged past the fetch's offset (after :data:`SETTLE_SECONDS`): such a fetch is never
held until its wait runs out. Tansu also answers a fetch from inside a batch without that
batch (it returns the batches that start at or after the offset)."""
RECENT_SECONDS = 5.0
"""A fetch that leaves out a partition its connection fetched this recently is held at most
:data:`PARTIAL_HOLD_SECONDS`: the client holds that partition's records unread (aiokafka
fetches a partition again only once they are taken) and sends no other fetch to the
broker while one is out, so a long hold would keep the partition's next messages waiting
when it has taken them. After a rebalance the partitions it lost count for this long."""

TopicPartition = tuple[str, int]
Frame = bytes | bytearray | memoryview
_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_HEADER = struct.Struct(">hhih")  # api key, version, correlation id, client id length
_FETCH_WAIT = struct.Struct(">ii")  # max wait, min bytes (after the replica id)
_FETCH_SESSION = struct.Struct(">ii")  # session id, session epoch
_I64 = struct.Struct(">q")
_PRODUCED = struct.Struct(">ihq")  # partition, error code, base offset
_BATCH_HEADER = 61
_TRANSACTIONAL_OR_CONTROL = 0x30  # a record batch's attributes: transactional, control
FIRST_TAIL_VERSION = 4
"""Fetch answers before v4 have no last stable offset, and before v3 a partition's maximum
bytes is a hard cut (a batch cut short): the tail answers v4-11, older ones pass."""
TAIL_BYTES = 512 << 10
"""The record batches the front keeps of each partition's end, at most (the oldest go first;
``KEFU_BROKER_TAIL_BYTES``): a consumer this close to the end is answered by the front; one
further behind (a group starting from an old committed offset) is asked of Tansu."""
_TAIL_PARTITION = struct.Struct(">ihqq")  # partition, error code, high watermark, last stable
_NO_ABORTED = _I32.pack(0)  # aborted transactions: none (as Tansu answers)
_NO_REPLICA = _I32.pack(-1)  # preferred read replica: none
_PR_SET_PDEATHSIG = 1
_WRITE_BUFFER_LIMIT = 1 << 20


def _body_start(frame: Frame, at: int = 0) -> int:
    """Where a request's body starts, after its (non-flexible) header at ``at``."""
    client_id: int = _HEADER.unpack_from(frame, at)[3]
    return at + 10 + max(0, client_id)


def _string(frame: Frame, at: int) -> tuple[str, int]:
    """A (non-null) string at ``at``, and where what follows it starts."""
    (n,) = _I16.unpack_from(frame, at)
    return str(frame[at + 2 : at + 2 + n], "utf-8"), at + 2 + n


def _partitions(
    frame: Frame, at: int, entry: Callable[[Frame, int], int]
) -> list[tuple[TopicPartition, int]]:
    """The partitions of a topics array at ``at``, each with where its entry starts;
    ``entry`` says how long the entry at a place is."""
    found: list[tuple[TopicPartition, int]] = []
    (topics,) = _I32.unpack_from(frame, at)
    at += 4
    for _ in range(topics):
        topic, at = _string(frame, at)
        (partitions,) = _I32.unpack_from(frame, at)
        at += 4
        for _ in range(partitions):
            found.append(((topic, _I32.unpack_from(frame, at)[0]), at))
            at += entry(frame, at)
    return found


def _record_set_entry(frame: Frame, at: int) -> int:
    """A Produce's partition: its id, then a record set with its size."""
    size: int = _I32.unpack_from(frame, at + 4)[0]
    return 8 + max(0, size)


def _records(frame: Frame, at: int, size: int) -> int | None:
    """How many offsets a record set of ``size`` bytes at ``at`` takes: None unless it is
    made of whole (v2) record batches."""
    count, end = 0, at + size
    while at < end:
        if end - at < _BATCH_HEADER or frame[at + 16] != 2:  # magic: 2 since Kafka 0.11
            return None
        count += _I32.unpack_from(frame, at + 23)[0] + 1  # the last record's offset delta
        at += 12 + _I32.unpack_from(frame, at + 8)[0]  # base offset, length, then the rest
    return count if at == end else None


def produced_partitions(
    frame: Frame, version: int, at: int = 0
) -> tuple[int, list[TopicPartition], list[int | None], list[tuple[int, int]]]:
    """A Produce request's acks, the partitions it writes to, how many offsets it adds to
    each (None: not known) and where each one's record set is (start, size) (its header at
    ``at``)."""
    at = _body_start(frame, at)
    if version >= 3:  # transactional id
        at += 2 + max(0, _I16.unpack_from(frame, at)[0])
    acks = _I16.unpack_from(frame, at)[0]
    found = _partitions(frame, at + 6, _record_set_entry)  # after acks and timeout
    sets = [(entry + 8, _I32.unpack_from(frame, entry + 4)[0]) for _, entry in found]
    counts = [_records(frame, start, size) for start, size in sets]
    return acks, [tp for tp, _ in found], counts, sets


def placed_batches(records: Frame, base: int) -> list[tuple[int, bytes]] | None:
    """A produced record set's (v2, whole: :func:`_records` counted it) batches as the log
    holds them once its first offset is ``base``: each batch's first offset written in
    (the batch's CRC covers its attributes onward, not its offset), with the offset after
    it. None if a batch is transactional or a control batch: the last stable offset and
    aborted transactions would be the broker's to say, so such a partition is not kept."""
    placed: list[tuple[int, bytes]] = []
    at, end = 0, len(records)
    while at < end:
        size = 12 + _I32.unpack_from(records, at + 8)[0]
        if _I16.unpack_from(records, at + 21)[0] & _TRANSACTIONAL_OR_CONTROL:
            return None
        batch = bytearray(records[at : at + size])
        _I64.pack_into(batch, 0, base)
        base += _I32.unpack_from(records, at + 23)[0] + 1
        placed.append((base, bytes(batch)))
        at += size
    return placed


def _produced_entry(version: int) -> Callable[[Frame, int], int]:
    """How long a partition's entry in a Produce answer of ``version`` (0-8) is."""
    fixed = _PRODUCED.size + (8 if version >= 2 else 0) + (8 if version >= 5 else 0)
    if version < 8:
        return lambda _frame, _at: fixed

    def entry(frame: Frame, at: int) -> int:
        start, at = at, at + fixed
        (errors,) = _I32.unpack_from(frame, at)  # record errors: index, message
        at += 4
        for _ in range(max(0, errors)):
            at += 6 + max(0, _I16.unpack_from(frame, at + 4)[0])
        message: int = _I16.unpack_from(frame, at)[0]  # the error message
        return at + 2 + max(0, message) - start

    return entry


def produce_answered(
    answer: Frame, version: int, at: int = 0
) -> list[tuple[TopicPartition, int, int]]:
    """A Produce answer's (v0-8; its correlation id at ``at``) partitions, each with its
    error code and the offset its first record was given."""
    found = _partitions(answer, at + 4, _produced_entry(version))
    return [(tp, *_PRODUCED.unpack_from(answer, entry)[1:]) for tp, entry in found]


def _fetch_layout(version: int) -> tuple[int, int]:
    """A Fetch request's bytes from its replica id to its topics, and per partition."""
    before_topics = 12 if version < 3 else 16 if version == 3 else 17 if version < 7 else 25
    per_partition = 16 if version < 5 else 24 if version < 9 else 28
    return before_topics, per_partition


def fetch_asked(
    frame: Frame, version: int, at: int = 0
) -> tuple[int, int, list[TopicPartition], list[int]]:
    """A Fetch request's (v0-11) wait in ms, minimum bytes, partitions and the offset it
    asks of each (its header at ``at``)."""
    at = _body_start(frame, at)
    wait_ms, min_bytes = _FETCH_WAIT.unpack_from(frame, at + 4)
    before_topics, per_partition = _fetch_layout(version)
    found = _partitions(frame, at + before_topics, lambda _frame, _at: per_partition)
    offset_at = 8 if version >= 9 else 4  # after the partition (and its leader epoch)
    offsets = [_I64.unpack_from(frame, entry + offset_at)[0] for _, entry in found]
    return wait_ms, min_bytes, [tp for tp, _ in found], offsets


def fetch_limits(frame: Frame, version: int, at: int = 0) -> tuple[int, list[int]] | None:
    """A Fetch request's (v4-11; its header at ``at``) maximum bytes and each partition's,
    if the front's tail may answer it: not asking for committed records only (no
    transactions are used: the last stable offset is then the high watermark), and no fetch
    session (sessions answer only what changed, and forget topics: Tansu's to keep); else
    None."""
    if not FIRST_TAIL_VERSION <= version <= LAST_FETCH_VERSION:
        return None
    at = _body_start(frame, at)
    max_bytes: int = _I32.unpack_from(frame, at + 12)[0]  # after replica id, wait, min bytes
    if frame[at + 16] != 0:  # isolation level: read committed
        return None
    if version >= 7 and _FETCH_SESSION.unpack_from(frame, at + 17) != (0, -1):
        return None
    before_topics, per_partition = _fetch_layout(version)
    found = _partitions(frame, at + before_topics, lambda _frame, _at: per_partition)
    return max_bytes, [_I32.unpack_from(frame, e + per_partition - 4)[0] for _, e in found]


def fetch_answered(
    answer: Frame, version: int, at: int = 0
) -> tuple[int, list[tuple[TopicPartition, int, int, int]]]:
    """A Fetch answer's (v0-11; its correlation id at ``at``) error code and partitions,
    each with its error code, high watermark and record set's size."""
    at += 4  # correlation id
    if version >= 1:
        at += 4  # throttle time
    error = 0
    if version >= 7:
        error = _I16.unpack_from(answer, at)[0]
        at += 6  # error code, session id
    found: list[tuple[TopicPartition, int, int, int]] = []
    (topics,) = _I32.unpack_from(answer, at)
    at += 4
    for _ in range(topics):
        topic, at = _string(answer, at)
        (partitions,) = _I32.unpack_from(answer, at)
        at += 4
        for _ in range(partitions):
            partition, partition_error, high = _PRODUCED.unpack_from(answer, at)
            at += 14  # partition, error code, high watermark
            if version >= 4:
                at += 8  # last stable offset
            if version >= 5:
                at += 8  # log start offset
            if version >= 4:
                (aborted,) = _I32.unpack_from(answer, at)
                at += 4 + 16 * max(0, aborted)
            if version >= 11:
                at += 4  # preferred read replica
            (size,) = _I32.unpack_from(answer, at)
            found.append(((topic, partition), partition_error, high, size))
            at += 4 + max(0, size)
    return error, found


def must_go(error: int, found: list[tuple[TopicPartition, int, int, int]]) -> bool:
    """Whether a Fetch answer (:func:`fetch_answered`'s reading of it) must go to the client
    as it is: it holds records or an error."""
    return error != 0 or any(e != 0 or size > 0 for _, e, _, size in found)


def leaves_out(
    fetched_at: dict[TopicPartition, float], tps: list[TopicPartition], now: float
) -> bool:
    """Whether a fetch of ``tps`` leaves out a partition that ``fetched_at`` (when each was
    last fetched on the connection) says was fetched lately; notes this fetch in it."""
    for tp in tps:
        fetched_at[tp] = now
    if len(fetched_at) == len(tps):
        return False
    for tp, at in list(fetched_at.items()):
        if now - at >= RECENT_SECONDS:
            del fetched_at[tp]
    return len(fetched_at) > len(tps)


class Frames:
    """Cuts a byte stream into Kafka frames (a 4-byte size, then that many bytes).

    A read usually holds whole frames: they are found in it in place. The rest of a frame
    that spans reads is kept as its pieces, joined once it is whole."""

    __slots__ = ("_kept", "_needed", "_pieces")

    def __init__(self) -> None:
        self._pieces: list[bytes] = []
        self._kept = 0
        self._needed = 4

    def feed(self, data: bytes) -> tuple[bytes, list[int]]:
        """What was read (joined to the pieces kept) and where each whole frame in it starts."""
        if self._pieces:
            self._pieces.append(data)
            self._kept += len(data)
            if self._kept < self._needed:
                return data, []
            data = b"".join(self._pieces)
            self._pieces.clear()
        starts: list[int] = []
        at, end = 0, len(data)
        unpack = _I32.unpack_from
        while end - at >= 4:
            frame_end = at + 4 + unpack(data, at)[0]
            if frame_end > end:
                break
            starts.append(at)
            at = frame_end
        if at < end:
            self._pieces.append(data[at:])
            self._kept = end - at
            self._needed = 4 + unpack(data, at)[0] if end - at >= 4 else 4
        return data, starts


class Waiter(Protocol):
    def woken(self) -> None: ...


class Tail:
    """The last record batches of a partition's log, as the log holds them (each with its
    first offset written in), from ``start`` to ``end`` without a gap."""

    __slots__ = ("bases", "batches", "end", "size", "start")

    def __init__(self, start: int) -> None:
        self.start = self.end = start
        self.bases: deque[int] = deque()
        self.batches: deque[bytes] = deque()
        self.size = 0

    def add(self, placed: list[tuple[int, bytes]], limit: int) -> None:
        for end, batch in placed:
            self.bases.append(self.end)
            self.batches.append(batch)
            self.size += len(batch)
            self.end = end
        while self.size > limit and len(self.batches) > 1:
            self.size -= len(self.batches.popleft())
            self.bases.popleft()
            self.start = self.bases[0]

    def read(self, offset: int, budget: int, first: bool) -> list[bytes]:
        """The batches from the one holding ``offset`` on, while they fit in ``budget``
        bytes (the first of them whatever its size if ``first``: as Kafka returns the first
        batch of a fetch's first partition with records, so that a large one still goes)."""
        i = bisect.bisect_right(self.bases, offset) - 1
        out: list[bytes] = []
        for j in range(max(0, i), len(self.batches)):
            batch = self.batches[j]
            if len(batch) > budget and not (first and not out):
                break
            out.append(batch)
            budget -= len(batch)
        return out


class Partitions:
    """What the front knows of every partition: how many produces Tansu has acknowledged
    to it, where its log ends, and the held fetches to wake at the next produce."""

    def __init__(self, tail_bytes: int = TAIL_BYTES) -> None:
        self.produced: dict[TopicPartition, int] = {}
        self.acknowledged_at: dict[TopicPartition, float] = {}
        self.waiting: dict[TopicPartition, set[Waiter]] = {}
        self.ends: dict[TopicPartition, int] = {}
        """The offset after each partition's last record, from Tansu's answers to produces
        whose records the front counted. Every produce passes this front since Tansu
        started (memory storage, its child), so it is Tansu's own end."""
        self.blind: set[TopicPartition] = set()
        """Partitions a produce went to whose records or offset the front could not count
        (``acks=0``, an error): their ends stay unknown."""
        self.forgotten = False
        """Topics were deleted: a partition not produced to since may have records."""
        self.tails: dict[TopicPartition, Tail] = {}
        """The end of each partition's log whose every produce the front has read since it
        was last unknown (see :class:`Tail`): fetches from it are answered here."""
        self.untailed: set[TopicPartition] = set()
        """Partitions with transactional batches: never answered here."""
        self.tail_bytes = tail_bytes
        """Each tail's bytes at most (0: no tails, every fetch asked of Tansu)."""

    def seen(self, tps: Iterable[TopicPartition]) -> int:
        return sum(self.produced.get(tp, 0) for tp in tps)

    def settling(self, tps: Iterable[TopicPartition], now: float) -> float:
        """How long until a fetch of ``tps`` should look again although nothing new was
        produced (0: it need not): a produce acknowledged lately may not be visible yet."""
        last = max((self.acknowledged_at.get(tp, -SETTLE_SECONDS) for tp in tps), default=0.0)
        if now - last >= SETTLE_SECONDS:
            return 0.0
        return min(last + SETTLE_SECONDS - now, max(0.002, now - last))

    def behind(self, tps: list[TopicPartition], offsets: list[int]) -> list[TopicPartition]:
        """The partitions a fetch from ``offsets`` of ``tps`` may find records in: those
        whose end is not known, or beyond the offset. While there are none, Tansu need not
        be asked until the next produce."""
        ends, unknown = self.ends, self.blind if not self.forgotten else None
        found: list[TopicPartition] = []
        for tp, offset in zip(tps, offsets, strict=True):
            end = ends.get(tp)
            if end is None:  # never produced to (its log is empty), or not counted
                if unknown is None or tp in unknown or offset < 0:
                    found.append(tp)
            elif offset < end:
                found.append(tp)
        return found

    def past(self, tps: list[TopicPartition], offsets: list[int]) -> bool:
        """Whether an acknowledged produce put records at or after one of the offsets."""
        ends = self.ends
        return any(offset < ends.get(tp, -1) for tp, offset in zip(tps, offsets, strict=True))

    def empty(self, tp: TopicPartition) -> None:
        """Tansu answered a fetch of ``tp`` without an error and with a high watermark of 0:
        it exists and, unless a produce to it is acknowledged meanwhile (then its end is
        known already), its log is empty. A consumer's topics have partitions never
        produced to: known empty, a fetch of them with others is the tail's too."""
        if tp not in self.ends and tp not in self.blind and tp not in self.untailed:
            self.ends[tp] = 0
            if self.tail_bytes > 0:
                self.tails[tp] = Tail(0)

    def ended(self, tp: TopicPartition, end: int | None) -> None:
        """A produce to ``tp`` was acknowledged and its log ends at ``end`` (None: unknown)."""
        if end is None or tp in self.blind:
            self.blind.add(tp)
            self.ends.pop(tp, None)
            self.tails.pop(tp, None)
        elif end > self.ends.get(tp, -1):
            self.ends[tp] = end

    def stored(self, tp: TopicPartition, base: int, records: Frame) -> None:
        """Tansu put a produce's records (read whole) in ``tp``'s log from ``base`` on: kept
        in its tail. A tail continues only from its end: a produce answered out of order (or
        after one not read) starts it again from its own offset (one behind that start is
        asked of Tansu)."""
        if tp in self.blind or tp in self.untailed or self.tail_bytes <= 0:
            return
        placed = placed_batches(records, base)
        if placed is None:
            self.untailed.add(tp)
            self.tails.pop(tp, None)
            return
        tail = self.tails.get(tp)
        if tail is None or tail.end != base:
            tail = self.tails[tp] = Tail(base)
        tail.add(placed, self.tail_bytes)

    def from_tail(
        self,
        version: int,
        correlation: Frame,
        tps: list[TopicPartition],
        offsets: list[int],
        limits: tuple[int, list[int]],
    ) -> tuple[bytes, bool] | None:
        """A Fetch answer (v4-11, size included) made from the tails, and whether it holds
        records; None unless every partition's offset is in its tail or at its known end.
        As Kafka: every partition asked, in the order asked; the high watermark and last
        stable offset the log's end; the batches from the one holding the offset, within
        the partition's and the fetch's maximum bytes."""
        ends, tails = self.ends, self.tails
        for tp, offset in zip(tps, offsets, strict=True):
            tail = tails.get(tp)
            if tail is None or not (tail.start <= offset < tail.end or offset == ends.get(tp)):
                return None
        budget, partition_limits = limits
        out: list[Frame] = [b"", correlation, b"\0\0\0\0"]  # size, id, throttle time
        if version >= 7:
            out.append(b"\0\0\0\0\0\0")  # error code, session id
        topics, at_count, records = 0, 0, False
        topic: str | None = None
        in_topic = 0
        for tp, offset, limit in zip(tps, offsets, partition_limits, strict=True):
            if tp[0] != topic:
                if topic is not None:
                    out[at_count] = _I32.pack(in_topic)
                name = tp[0].encode()
                out += (_I16.pack(len(name)), name, b"")
                topic, at_count, in_topic, topics = tp[0], len(out) - 1, 0, topics + 1
            in_topic += 1
            tail, end = tails[tp], ends[tp]
            batches = (
                tail.read(offset, min(limit, budget), not records) if offset < tail.end else []
            )
            size = sum(len(b) for b in batches)
            budget -= size
            records = records or size > 0
            out.append(_TAIL_PARTITION.pack(tp[1], 0, end, end))
            if version >= 5:
                out.append(b"\0\0\0\0\0\0\0\0")  # log start offset: Tansu keeps all
            out.append(_NO_ABORTED)
            if version >= 11:
                out.append(_NO_REPLICA)
            out.append(_I32.pack(size))
            out.extend(batches)
        if topic is not None:
            out[at_count] = _I32.pack(in_topic)
        out.insert(3 if version < 7 else 4, _I32.pack(topics))
        out[0] = _I32.pack(sum(len(part) for part in out))
        return b"".join(out), records

    def forget(self) -> None:
        """Topics were deleted (and may be made again): every end is unknown until the next
        produce, and a fetch of a deleted one must hear its error from Tansu."""
        self.ends.clear()
        self.tails.clear()
        self.forgotten = True

    def wake(self, tps: Iterable[TopicPartition], now: float) -> None:
        for tp in tps:
            self.produced[tp] = self.produced.get(tp, 0) + 1
            self.acknowledged_at[tp] = now
            for waiter in self.waiting.pop(tp, ()):
                waiter.woken()

    def hold(self, waiter: Waiter, tps: Iterable[TopicPartition]) -> None:
        """``waiter.woken()`` at the next produce to one of ``tps`` (unless let go first);
        it may be called once per partition of a produce: it lets go at the first."""
        for tp in tps:
            self.waiting.setdefault(tp, set()).add(waiter)

    def let_go(self, waiter: Waiter, tps: Iterable[TopicPartition]) -> None:
        for tp in tps:
            waiters = self.waiting.get(tp)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self.waiting[tp]


class Answer:
    """A request's place in its connection's answers, which go to the client in order: the
    answer's frame, size included, once Tansu has given it."""

    __slots__ = ("frame",)

    def __init__(self) -> None:
        self.frame: Frame | None = None

    def answered(self, frame: memoryview, now: float) -> None:
        self.frame = frame


class ProduceAnswer(Answer):
    """A Produce's answer: where its partitions' logs now end, then their held fetches woken."""

    __slots__ = ("counts", "partitions", "records", "tps", "version")

    def __init__(
        self,
        partitions: Partitions,
        version: int,
        tps: list[TopicPartition],
        counts: list[int | None],
        records: list[memoryview],
    ) -> None:
        super().__init__()
        self.partitions = partitions
        self.version = version
        self.tps = tps
        self.counts = counts
        self.records = records
        """Each partition's record set, as the client sent it."""

    def answered(self, frame: memoryview, now: float) -> None:
        self.frame = frame
        counts = dict(zip(self.tps, self.counts, strict=True))
        records = dict(zip(self.tps, self.records, strict=True))
        partitions = self.partitions
        try:
            for tp, error, offset in produce_answered(frame, self.version, 4):
                count = counts.pop(tp, None)
                if error == 0 and offset >= 0 and count is not None:
                    partitions.ended(tp, offset + count)
                    partitions.stored(tp, offset, records[tp])
                else:
                    partitions.ended(tp, None)
        except (struct.error, UnicodeDecodeError):
            pass
        self.records = []
        for tp in counts:  # not in the answer, or not read
            self.partitions.ended(tp, None)
        self.partitions.wake(self.tps, now)


class HeldFetch(Answer):
    """A Fetch asked of Tansu with a short wait: looked at again while empty at each
    produce to its partitions (and while one lately may not show yet), until it holds
    records or an error, its wait runs out or the client's next request arrives. A fetch
    that asks from its partitions' known ends is held before it is asked: it is asked at
    the next produce, or once at the end, its answer then going as it is.

    A fetch whose every partition the front's tails hold (or whose offset is the known
    end) is answered from them instead, Tansu not asked: at once if they have records for
    it, else (held) at the next produce to its partitions or at its end."""

    __slots__ = (
        "deadline",
        "last",
        "limits",
        "link",
        "look",
        "looking",
        "offsets",
        "partial",
        "released",
        "seen",
        "timer",
        "tps",
        "until",
        "version",
    )

    def __init__(
        self,
        link: Link,
        look: bytes,
        version: int,
        tps: list[TopicPartition],
        offsets: list[int],
        deadline: float,
        limits: tuple[int, list[int]] | None,
    ) -> None:
        super().__init__()
        self.link = link
        self.limits = limits
        """The fetch's and each partition's maximum bytes if the tails may answer it."""
        self.partial = False
        """Held briefly (it leaves out a partition): its end is not its client's wait."""
        self.look = look
        """The request as the client sent it, size included, with the front's wait."""
        self.version = version
        self.tps = tps
        self.offsets = offsets
        self.deadline = deadline
        self.seen = 0
        self.looking = False
        self.last: memoryview | None = None
        """Tansu's latest answer, while held after a look."""
        self.until = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.released = False
        """Its last look is out: that look's answer goes as it is."""

    def start(self, out: list[Frame], partial: bool) -> None:
        """Held at once if it asks from the known ends, else its look added to ``out``.
        ``partial``: held only briefly, so looked at first: a look at the end of the hold
        would answer it later, and its answer lets the client fetch what it left out."""
        partitions = self.link.partitions
        self.partial = partial
        if self.from_tail(final=False):
            return
        if not partial and not partitions.behind(self.tps, self.offsets):
            self.hold(self.deadline)
            return
        self.seen = partitions.seen(self.tps)
        self.looking = True
        self.link.pending[_I32.unpack_from(self.look, 8)[0]] = self
        out.append(self.look)

    def from_tail(self, final: bool) -> bool:
        """Answered from the tails if they have records for it (or ``final``: even none),
        else held until the next produce or its end; False if they cannot answer it."""
        if self.limits is None:
            return False
        made = self.link.partitions.from_tail(
            self.version, self.look[8:12], self.tps, self.offsets, self.limits
        )
        if made is None:
            return False
        answer, records = made
        if records or final:
            self.finish(answer)
        else:
            self.hold(self.deadline)
        return True

    def ask(self) -> None:
        self.seen = self.link.partitions.seen(self.tps)
        self.looking = True
        self.link.ask(self.look, self)

    def answered(self, frame: memoryview, now: float) -> None:
        self.looking = False
        if self.released:
            self.frame = frame
            return
        partitions = self.link.partitions
        try:
            error, found = fetch_answered(frame, self.version, 4)
        except (struct.error, UnicodeDecodeError):
            self.finish(frame)
            return
        if error == 0 and self.limits is not None:
            for tp, partition_error, high, _ in found:
                if partition_error == 0 and high == 0:
                    partitions.empty(tp)
        if now >= self.deadline or must_go(error, found):
            self.finish(frame)
            return
        if partitions.seen(self.tps) != self.seen:  # produced while Tansu looked: look again
            self.ask()
            return
        self.last = frame
        behind = partitions.behind(self.tps, self.offsets)  # not visible yet, or unknown
        settling = partitions.settling(behind, now) if behind else 0.0
        if not settling and partitions.past(self.tps, self.offsets):
            settling = KNOWN_LOOK_SECONDS
        self.hold(min(self.deadline, now + settling) if settling else self.deadline)

    def hold(self, until: float) -> None:
        self.until = until
        self.timer = self.link.loop.call_at(until, self.timed_out)
        self.link.partitions.hold(self, self.tps)

    def _stop_holding(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.link.partitions.let_go(self, self.tps)

    def woken(self) -> None:
        if self.timer is None:  # woken by another partition of the same produce
            return
        self._stop_holding()
        if self.from_tail(final=False):
            return
        self.last = None
        self.ask()

    def timed_out(self) -> None:
        self.timer = None
        self.link.partitions.let_go(self, self.tps)
        if self.until >= self.deadline:
            self.end(last_look=not self.partial)
        else:  # settling: look again
            self.ask()

    def release(self) -> None:
        """The client's next request arrived: answer now."""
        if self.looking:
            self.released = True
            return
        self._stop_holding()
        self.end()

    def end(self, last_look: bool = False) -> None:
        """Answer from the tails, or with the latest look's answer, or (held before any)
        with a last look's. ``last_look``: the client's wait ran out: Tansu is asked even if
        the tails could answer (empty), once a wait, so that an end the front got wrong (a
        produce Tansu stored whose answer it never saw) costs at most a wait, as before."""
        if not last_look and self.from_tail(final=True):
            return
        if self.last is not None:
            self.finish(self.last)
            return
        self.released = True
        self.link.fetches.discard(self)
        self.ask()

    def finish(self, frame: Frame) -> None:
        self.frame = frame
        self.link.fetches.discard(self)
        self.link.flush()

    def dropped(self) -> None:
        if self.timer is not None:
            self._stop_holding()


class Link:
    """One client connection and its own connection to Tansu."""

    def __init__(self, partitions: Partitions, loop: asyncio.AbstractEventLoop) -> None:
        self.partitions = partitions
        self.loop = loop
        self.client: asyncio.Transport | None = None
        self.tansu: asyncio.Transport | None = None
        self.answers: deque[Answer] = deque()
        """Every request's answer, in the client's order."""
        self.pending: dict[int, Answer] = {}
        """What Tansu has yet to answer, by correlation id."""
        self.fetches: set[HeldFetch] = set()
        """Fetches not yet answered: the client's next request answers them."""
        self.fetched_at: dict[TopicPartition, float] = {}
        """When each partition was last in a fetch on this connection."""
        self.closed = False

    def ask(self, frame: Frame, answer: Answer) -> None:
        self.pending[_I32.unpack_from(frame, 8)[0]] = answer
        assert self.tansu is not None
        self.tansu.write(frame)

    def from_client(self, data: bytes, starts: list[int]) -> None:
        """Forward the client's whole frames: every run of them that passes unchanged as one
        slice of what was read; a Fetch's looks on their own."""
        assert self.tansu is not None
        out: list[Frame] = []
        run = -1  # where the current run of unchanged frames starts
        view = memoryview(data)
        now = self.loop.time()
        for at in starts:
            api_key, version, correlation, _ = _HEADER.unpack_from(data, at + 4)
            end = at + 4 + _I32.unpack_from(data, at)[0]
            if self.fetches:  # a fetch held on this connection answers now
                for fetch in list(self.fetches):
                    fetch.release()
                self.fetches.clear()
                self.flush()
            if api_key == FETCH and version <= LAST_FETCH_VERSION:
                wait_ms, min_bytes, tps, offsets = fetch_asked(data, version, at + 4)
                if wait_ms > 0 and min_bytes > 0:
                    if run >= 0:
                        out.append(view[run:at])
                        run = -1
                    deadline = now + wait_ms / 1000
                    self._fetch(data[at:end], version, tps, offsets, deadline, out)
                    continue
                answer = Answer()
            elif api_key == PRODUCE and version <= LAST_PRODUCE_VERSION:
                acks, tps, counts, sets = produced_partitions(data, version, at + 4)
                if acks == 0:  # no answer comes: wake once it is forwarded
                    self.tansu.writelines([*out, view[at if run < 0 else run : end]])
                    out.clear()
                    run = -1
                    for tp in tps:
                        self.partitions.ended(tp, None)
                    self.partitions.wake(tps, now)
                    continue
                records = [view[start : start + size] for start, size in sets]
                answer = ProduceAnswer(self.partitions, version, tps, counts, records)
            else:
                if api_key == DELETE_TOPICS:
                    self.partitions.forget()
                answer = Answer()
            self.answers.append(answer)
            self.pending[correlation] = answer
            if run < 0:
                run = at
        if run >= 0:
            out.append(data if run == 0 and not out and end == len(data) else view[run:end])
        if out:
            self.tansu.writelines(out)

    def _fetch(
        self,
        frame: bytes,
        version: int,
        tps: list[TopicPartition],
        offsets: list[int],
        deadline: float,
        out: list[Frame],
    ) -> None:
        now = self.loop.time()
        partial = leaves_out(self.fetched_at, tps, now)
        if partial:
            deadline = min(deadline, now + PARTIAL_HOLD_SECONDS)
        look = bytearray(frame)
        _I32.pack_into(look, _body_start(look, 4) + 4, LOOK_WAIT_MS)  # after the replica id
        limits = fetch_limits(frame, version, 4)
        fetch = HeldFetch(self, bytes(look), version, tps, offsets, deadline, limits)
        self.answers.append(fetch)
        self.fetches.add(fetch)
        fetch.start(out, partial)

    def from_tansu(self, data: bytes, starts: list[int]) -> None:
        view = memoryview(data)
        now = self.loop.time()
        unpack = _I32.unpack_from
        for at in starts:
            answer = self.pending.pop(unpack(data, at + 4)[0], None)
            if answer is not None:
                answer.answered(view[at : at + 4 + unpack(data, at)[0]], now)
        self.flush()

    def flush(self) -> None:
        """Send the client every answer at the head of the queue that is ready, in one write."""
        answers = self.answers
        if not answers or answers[0].frame is None or self.client is None:
            return
        out: list[Frame] = []
        while answers and (frame := answers[0].frame) is not None:
            answers.popleft()
            out.append(frame)
        self.client.writelines(out)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for fetch in self.fetches:
            fetch.dropped()
        for answer in self.answers:
            if isinstance(answer, HeldFetch):
                answer.dropped()
        for answer in self.pending.values():
            if isinstance(answer, ProduceAnswer):  # Tansu may have stored it: ends unknown
                for tp in answer.tps:
                    self.partitions.ended(tp, None)
        self.fetches.clear()
        self.answers.clear()
        self.pending.clear()
        for transport in (self.client, self.tansu):
            if transport is not None:
                transport.close()


class _Side(asyncio.Protocol):
    """One of a link's two connections: frames read are handed to the link; the other side
    stops reading while this side's writes are backed up."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.frames = Frames()

    def other(self) -> asyncio.Transport | None:
        raise NotImplementedError

    def connection_lost(self, exc: Exception | None) -> None:
        self.link.close()

    def pause_writing(self) -> None:
        other = self.other()
        if other is not None:
            other.pause_reading()

    def resume_writing(self) -> None:
        other = self.other()
        if other is not None and not self.link.closed:
            other.resume_reading()


class TansuSide(_Side):
    def other(self) -> asyncio.Transport | None:
        return self.link.client

    def data_received(self, data: bytes) -> None:
        data, starts = self.frames.feed(data)
        if starts:
            self.link.from_tansu(data, starts)


class ClientSide(_Side):
    """A client's connection: what it sends before its connection to Tansu is made is kept
    until then (uvloop may read once more after ``pause_reading``)."""

    def __init__(self, link: Link, tansu_port: int, links: set[Link]) -> None:
        super().__init__(link)
        self.tansu_port = tansu_port
        self.links = links
        self.early: list[bytes] = []

    def other(self) -> asyncio.Transport | None:
        return self.link.tansu

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.link.client = transport
        transport.pause_reading()
        transport.set_write_buffer_limits(_WRITE_BUFFER_LIMIT)
        self.links.add(self.link)
        self.link.loop.create_task(self._connect())

    async def _connect(self) -> None:
        link = self.link
        try:
            transport, _ = await link.loop.create_connection(
                lambda: TansuSide(link), "127.0.0.1", self.tansu_port
            )
        except OSError:
            link.close()
            return
        if link.closed:
            transport.close()
            return
        link.tansu = transport
        transport.set_write_buffer_limits(_WRITE_BUFFER_LIMIT)
        for side in (link.client, transport):
            sock = side.get_extra_info("socket") if side is not None else None
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for data in self.early:
            self.data_received(data)
        self.early.clear()
        if link.client is not None and not link.closed:
            link.client.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.links.discard(self.link)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.link.tansu is None:
            self.early.append(data)
            return
        data, starts = self.frames.feed(data)
        if starts:
            self.link.from_client(data, starts)


def _die_with_parent() -> None:
    """In Tansu before it runs: SIGKILL when the front exits, however it exits."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def start_tansu(command: list[str], port: int, timeout: float = 15.0) -> subprocess.Popen[bytes]:
    parent = os.getpid()

    def prepare() -> None:
        _die_with_parent()
        if os.getppid() != parent:  # the front died before the line above
            os._exit(1)

    tansu = subprocess.Popen(command, preexec_fn=prepare)  # the front has one thread here
    deadline = time.monotonic() + timeout
    while not _port_open(port):
        if tansu.poll() is not None:
            raise SystemExit(tansu.returncode or 1)
        if time.monotonic() > deadline:
            tansu.kill()
            raise SystemExit("Tansu did not start")
        time.sleep(0.02)
    return tansu


def stop(process: subprocess.Popen[bytes], signals: tuple[tuple[int, float], ...]) -> None:
    """Each signal in turn, waiting its seconds for the exit, then SIGKILL."""
    for sig, wait in signals:
        if process.poll() is not None:
            return
        process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(wait)
    if process.poll() is None:
        process.kill()
        process.wait()


def stop_tansu(tansu: subprocess.Popen[bytes]) -> None:
    """SIGINT, then SIGTERM (it waits about 5 s for clients; the front has closed them)."""
    stop(tansu, ((signal.SIGINT, 2.0), (signal.SIGTERM, 6.0)))


async def serve(
    port: int, tansu_port: int, tansu: subprocess.Popen[bytes], tail_bytes: int = TAIL_BYTES
) -> int:
    loop = asyncio.get_running_loop()
    partitions = Partitions(tail_bytes)
    links: set[Link] = set()
    done: asyncio.Future[int | None] = loop.create_future()

    def finish(code: int | None) -> None:
        if not done.done():
            done.set_result(code)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, finish, None)
    exited = os.pidfd_open(tansu.pid)
    loop.add_reader(exited, lambda: finish(tansu.wait()))
    server = await loop.create_server(
        lambda: ClientSide(Link(partitions, loop), tansu_port, links),
        "127.0.0.1",
        port,
        reuse_address=True,
    )
    code = await done
    loop.remove_reader(exited)
    os.close(exited)
    server.close()
    for link in list(links):
        link.close()
    await asyncio.sleep(0)  # their transports close
    if code is None:  # asked to stop
        await asyncio.to_thread(stop_tansu, tansu)
        return 0
    print(f"broker front: Tansu exited with {code}", file=sys.stderr, flush=True)
    return code or 1


def main(argv: list[str]) -> int:
    port, tansu_port = int(argv[0]), int(argv[1])
    command = argv[argv.index("--") + 1 :]
    tail_bytes = int(os.environ.get("KEFU_BROKER_TAIL_BYTES", TAIL_BYTES))
    tansu = start_tansu(command, tansu_port)
    try:
        import uvloop

        return uvloop.run(serve(port, tansu_port, tansu, tail_bytes))
    finally:
        if tansu.poll() is None:
            stop_tansu(tansu)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
