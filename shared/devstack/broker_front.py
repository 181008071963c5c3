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

Parsing: the Fetch request with aiokafka's protocol classes (small, one per fetch); the
Produce request and the Fetch answer by hand, walking past their record sets without
copying them (aiokafka's classes would copy every record set and build a Python object
per partition; those two carry the messages).

One process to kill: Tansu is told to die with this process (``PR_SET_PDEATHSIG``), and
this process exits when Tansu does, with its code. SIGINT or SIGTERM: close the clients,
stop Tansu, exit.

``python -m shared.devstack.broker_front PORT TANSU_PORT -- TANSU BROKER ARGS...``
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import Any

from aiokafka.protocol import fetch as fetch_protocol

PRODUCE, FETCH = 0, 1
FETCH_REQUESTS: dict[int, Any] = {
    version: getattr(fetch_protocol, f"FetchRequest_v{version}") for version in range(12)
}
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
RECENT_SECONDS = 5.0
"""A fetch that leaves out a partition its connection fetched this recently is held at most
:data:`PARTIAL_HOLD_SECONDS`: the client holds that partition's records unread (aiokafka
fetches a partition again only once they are taken) and sends no other fetch to the
broker while one is out, so a long hold would keep the partition's next messages waiting
when it has taken them. After a rebalance the partitions it lost count for this long."""

TopicPartition = tuple[str, int]
_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_HEADER = struct.Struct(">hhih")  # api key, version, correlation id, client id length
_PR_SET_PDEATHSIG = 1
_WRITE_BUFFER_LIMIT = 1 << 20


def _body_start(frame: bytes) -> int:
    """Where a request's body starts, after its (non-flexible) header."""
    client_id: int = _HEADER.unpack_from(frame)[3]
    return 10 + max(0, client_id)


def produced_partitions(frame: bytes, version: int) -> tuple[int, list[TopicPartition]]:
    """A Produce request's acks and the partitions it writes to."""
    at = _body_start(frame)
    if version >= 3:  # transactional id
        at += 2 + max(0, _I16.unpack_from(frame, at)[0])
    acks = _I16.unpack_from(frame, at)[0]
    at += 6  # acks, timeout
    found: list[TopicPartition] = []
    (topics,) = _I32.unpack_from(frame, at)
    at += 4
    for _ in range(topics):
        (n,) = _I16.unpack_from(frame, at)
        topic = frame[at + 2 : at + 2 + n].decode()
        at += 2 + n
        (partitions,) = _I32.unpack_from(frame, at)
        at += 4
        for _ in range(partitions):
            partition, size = struct.unpack_from(">ii", frame, at)
            found.append((topic, partition))
            at += 8 + max(0, size)
    return acks, found


def answered_now(answer: bytes, version: int) -> bool:
    """Whether a Fetch answer must go to the client as it is: it holds records or an error."""
    at = 4  # correlation id
    if version >= 1:
        at += 4  # throttle time
    if version >= 7:
        if _I16.unpack_from(answer, at)[0] != 0:
            return True
        at += 6  # error code, session id
    (topics,) = _I32.unpack_from(answer, at)
    at += 4
    for _ in range(topics):
        at += 2 + _I16.unpack_from(answer, at)[0]
        (partitions,) = _I32.unpack_from(answer, at)
        at += 4
        for _ in range(partitions):
            if _I16.unpack_from(answer, at + 4)[0] != 0:  # after the partition id
                return True
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
            if size > 0:
                return True
            at += 4
    return False


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


class Partitions:
    """What the front knows of every partition: how many produces Tansu has acknowledged
    to it, and the held fetches to wake at the next."""

    def __init__(self) -> None:
        self.produced: dict[TopicPartition, int] = {}
        self.acknowledged_at: dict[TopicPartition, float] = {}
        self.waiting: dict[TopicPartition, set[asyncio.Future[bool]]] = {}

    def seen(self, tps: Iterable[TopicPartition]) -> int:
        return sum(self.produced.get(tp, 0) for tp in tps)

    def settling(self, tps: Iterable[TopicPartition], now: float) -> float:
        """How long until a fetch of ``tps`` should look again although nothing new was
        produced (0: it need not): a produce acknowledged lately may not be visible yet."""
        last = max((self.acknowledged_at.get(tp, -SETTLE_SECONDS) for tp in tps), default=0.0)
        if now - last >= SETTLE_SECONDS:
            return 0.0
        return min(last + SETTLE_SECONDS - now, max(0.002, now - last))

    def wake(self, tps: Iterable[TopicPartition]) -> None:
        now = asyncio.get_running_loop().time()
        for tp in tps:
            self.produced[tp] = self.produced.get(tp, 0) + 1
            self.acknowledged_at[tp] = now
            for waiter in self.waiting.pop(tp, ()):
                if not waiter.done():
                    waiter.set_result(True)

    async def hold(
        self, tps: list[TopicPartition], released: asyncio.Future[None], deadline: float
    ) -> bool:
        """Until a produce to one of ``tps`` (True), ``released`` or ``deadline`` (False)."""
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[bool] = loop.create_future()

        def give_up(_: object = None) -> None:
            if not woken.done():
                woken.set_result(False)

        timer = loop.call_at(deadline, give_up)
        released.add_done_callback(give_up)
        for tp in tps:
            self.waiting.setdefault(tp, set()).add(woken)
        try:
            return await woken
        finally:
            timer.cancel()
            released.remove_done_callback(give_up)
            for tp in tps:
                waiters = self.waiting.get(tp)
                if waiters is not None:
                    waiters.discard(woken)
                    if not waiters:
                        del self.waiting[tp]


class Link:
    """One client connection and its own connection to Tansu."""

    def __init__(
        self,
        partitions: Partitions,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        tansu: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self.partitions = partitions
        self.client_reader, self.client_writer = client
        self.tansu_reader, self.tansu_writer = tansu
        self.pending: dict[int, asyncio.Future[bytes]] = {}
        self.answers: asyncio.Queue[asyncio.Future[bytes]] = asyncio.Queue()
        self.next_request: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.fetched_at: dict[TopicPartition, float] = {}
        """When each partition was last in a fetch on this connection."""

    async def run(self) -> None:
        tasks = [
            asyncio.ensure_future(self._from_client()),
            asyncio.ensure_future(self._from_tansu()),
            asyncio.ensure_future(self._to_client()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            while not self.answers.empty():
                self.answers.get_nowait().cancel()
            for writer in (self.client_writer, self.tansu_writer):
                writer.close()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _ask(self, frame: bytes | bytearray, correlation: int) -> asyncio.Future[bytes]:
        answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.pending[correlation] = answer
        self.tansu_writer.writelines((len(frame).to_bytes(4, "big"), frame))
        return answer

    async def _from_client(self) -> None:
        read = self.client_reader.readexactly
        while True:
            frame = await read(int.from_bytes(await read(4), "big"))
            api_key, version, correlation, _ = _HEADER.unpack_from(frame)
            if not self.next_request.done():  # a fetch held on this connection answers now
                self.next_request.set_result(None)
            self.next_request = asyncio.get_running_loop().create_future()
            if api_key == FETCH and version in FETCH_REQUESTS:
                fetched = self._fetch(frame, version, correlation, self.next_request)
                self.answers.put_nowait(asyncio.ensure_future(fetched))
                continue
            if api_key == PRODUCE and version <= LAST_PRODUCE_VERSION:
                acks, tps = produced_partitions(frame, version)
                if acks == 0:  # no answer comes
                    self.tansu_writer.writelines((len(frame).to_bytes(4, "big"), frame))
                    self.partitions.wake(tps)
                    continue
                answer = self._ask(frame, correlation)
                answer.add_done_callback(functools.partial(self._produced, tps))
            else:
                answer = self._ask(frame, correlation)
            self.answers.put_nowait(answer)

    def _produced(self, tps: list[TopicPartition], answer: asyncio.Future[bytes]) -> None:
        if not answer.cancelled():
            self.partitions.wake(tps)

    async def _fetch(
        self, frame: bytes, version: int, correlation: int, released: asyncio.Future[None]
    ) -> bytes:
        """``released``: resolved when the client's next request arrives."""
        body = _body_start(frame)
        request = FETCH_REQUESTS[version].decode(frame[body:])
        if request.max_wait_time <= 0 or request.min_bytes <= 0:
            return await self._ask(frame, correlation)
        loop = asyncio.get_running_loop()
        now = loop.time()
        deadline = now + request.max_wait_time / 1000
        tps = [(topic, part[0]) for topic, parts in request.topics for part in parts]
        if leaves_out(self.fetched_at, tps, now):
            deadline = min(deadline, now + PARTIAL_HOLD_SECONDS)
        look = bytearray(frame)
        _I32.pack_into(look, body + 4, LOOK_WAIT_MS)  # max_wait_time, after replica_id
        while True:
            seen = self.partitions.seen(tps)
            answer = await self._ask(look, correlation)
            if released.done() or answered_now(answer, version) or loop.time() >= deadline:
                return answer
            if self.partitions.seen(tps) != seen:  # produced while Tansu looked: look again
                continue
            settling = self.partitions.settling(tps, loop.time())
            until = min(deadline, loop.time() + settling) if settling else deadline
            if await self.partitions.hold(tps, released, until):
                continue
            if released.done() or until >= deadline:
                return answer  # nothing was produced to them since that look

    async def _from_tansu(self) -> None:
        read = self.tansu_reader.readexactly
        while True:
            frame = await read(int.from_bytes(await read(4), "big"))
            answer = self.pending.pop(_I32.unpack_from(frame)[0], None)
            if answer is not None and not answer.done():
                answer.set_result(frame)

    async def _to_client(self) -> None:
        writer = self.client_writer
        while True:
            frame = await (await self.answers.get())
            writer.writelines((len(frame).to_bytes(4, "big"), frame))
            if writer.transport.get_write_buffer_size() > _WRITE_BUFFER_LIMIT:
                await writer.drain()


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


async def serve(port: int, tansu_port: int, tansu: subprocess.Popen[bytes]) -> int:
    loop = asyncio.get_running_loop()
    partitions = Partitions()
    links: set[asyncio.Task[None]] = set()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            to_tansu = await asyncio.open_connection("127.0.0.1", tansu_port)
        except OSError:
            writer.close()
            return
        for stream in (writer, to_tansu[1]):
            sock = stream.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = asyncio.current_task()
        assert task is not None
        links.add(task)
        try:
            await Link(partitions, (reader, writer), to_tansu).run()
        finally:
            links.discard(task)

    done: asyncio.Future[int | None] = loop.create_future()

    def finish(code: int | None) -> None:
        if not done.done():
            done.set_result(code)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, finish, None)
    exited = os.pidfd_open(tansu.pid)
    loop.add_reader(exited, lambda: finish(tansu.wait()))
    server = await asyncio.start_server(accept, "127.0.0.1", port, reuse_address=True)
    code = await done
    loop.remove_reader(exited)
    os.close(exited)
    server.close()
    for link in list(links):
        link.cancel()
    await asyncio.gather(*links, return_exceptions=True)
    if code is None:  # asked to stop
        await asyncio.to_thread(stop_tansu, tansu)
        return 0
    print(f"broker front: Tansu exited with {code}", file=sys.stderr, flush=True)
    return code or 1


def main(argv: list[str]) -> int:
    port, tansu_port = int(argv[0]), int(argv[1])
    command = argv[argv.index("--") + 1 :]
    tansu = start_tansu(command, tansu_port)
    try:
        import uvloop

        return uvloop.run(serve(port, tansu_port, tansu))
    finally:
        if tansu.poll() is None:
            stop_tansu(tansu)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
