"""A minimal keep-alive HTTP/1.1 client for load generation.

httpx costs about a millisecond of CPU per request; at hundreds of requests a
second on a 2-core machine the load generator would take the CPU the services
under test need. This client does only what the benchmark needs: JSON POSTs
over a pool of persistent connections, reading Content-Length or chunked bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import unquote

from shared.internal_auth import INTERNAL_TOKEN_HEADER, InternalSigner


class HttpError(Exception):
    pass


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length: int | None = None
        chunked = False
        close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                length = int(value.strip())
            elif key == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif key == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            data = await self._chunks()
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            close = True
        if close:
            self.close()
        return status, data

    async def _chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0].strip(), 16)
            if size == 0:
                await self.reader.readline()
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()

    @property
    def closed(self) -> bool:
        return self.writer.is_closing()


class Client:
    """``await client.post_json(path, payload, headers)`` → (status, parsed JSON or text)."""

    def __init__(
        self,
        host: str,
        port: int,
        max_connections: int = 1000,
        internal: tuple[bytes, str] | None = None,
    ) -> None:
        """``internal``: (key, service) to sign each call as the gateway does, for the actor
        named in the ``X-Kefu-Actor`` / ``X-Kefu-Roles`` headers (taken off the request)."""
        self.host = host
        self.port = port
        self._internal = (InternalSigner(internal[0]), internal[1]) if internal else None
        self._idle: list[_Conn] = []
        self._slots = asyncio.Semaphore(max_connections)

    async def post_json(self, path: str, payload: Any, headers: dict[str, str]) -> tuple[int, Any]:
        body = json.dumps(payload).encode()
        return await self._send("POST", path, body, headers)

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        """A GET (``path`` with its query string) → (status, parsed JSON or text)."""
        return await self._send("GET", path, b"", headers)

    async def _send(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, Any]:
        if self._internal is not None:
            signer, service = self._internal
            headers = dict(headers)
            actor = headers.pop("X-Kefu-Actor", None)
            roles = frozenset(r for r in headers.pop("X-Kefu-Roles", "").split(",") if r)
            token = signer.token(service, method, unquote(path.split("?")[0]), actor, roles)
            headers[INTERNAL_TOKEN_HEADER] = token
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            *(
                ["Content-Type: application/json", f"Content-Length: {len(body)}"]
                if method != "GET"
                else []
            ),
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        async with self._slots:
            # A kept-alive connection may have been closed by the server: try once more on a
            # new one (safe for the benchmark's POSTs, each with its Idempotency-Key, and GETs).
            for attempt in range(2):
                conn = self._idle.pop() if self._idle and not attempt else await self._connect()
                try:
                    status, data = await conn.request(head, body)
                except (ConnectionError, asyncio.IncompleteReadError):
                    conn.close()
                    if attempt:
                        raise
                    continue
                if not conn.closed:
                    self._idle.append(conn)
                try:
                    return status, json.loads(data)
                except ValueError:
                    return status, data.decode("utf-8", "replace")
        raise HttpError("unreachable")

    async def _connect(self) -> _Conn:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Conn(reader, writer)

    async def close(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()
