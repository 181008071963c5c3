"""The gateway's client to the services: what a service that is down or silent answers,
and the path and query passed on exactly as the agent's browser encoded them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from services.gateway.answers import Answer
from services.gateway.errors import ServiceTimeout, ServiceUnavailable
from services.gateway.upstream import Upstreams
from shared.devstack.broker import free_port
from shared.internal_auth import INTERNAL_TOKEN_HEADER, InternalSigner, InternalVerifier
from shared.settings import Settings

KEY = b"k" * 48


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65536)
    await asyncio.sleep(30)  # accepts, reads, never answers
    writer.close()


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    request_line, *lines = head.split("\r\n")
    token = next(
        (
            v.strip()
            for k, v in (x.split(":", 1) for x in lines if ":" in x)
            if k.lower() == INTERNAL_TOKEN_HEADER.lower()
        ),
        "",
    )
    target = request_line.split(" ")[1]
    body = f'{{"target": "{target}", "token": "{token}"}}'.encode()
    writer.write(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    await writer.drain()
    writer.close()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(sock_read=0.3)) as session:
        yield session


def upstreams(client: aiohttp.ClientSession, port: int) -> Upstreams:
    return Upstreams(client, Settings(voucher_port=port), InternalSigner(KEY))


async def search(upstream: Upstreams, path: str = "/vouchers", query: str = "") -> Answer:
    return await upstream.call(
        "voucher", "GET", path, query=query, body=None, actor=None, idempotency_key=None
    )


async def test_a_service_that_is_down_is_unavailable(client: aiohttp.ClientSession) -> None:
    with pytest.raises(ServiceUnavailable):
        await search(upstreams(client, free_port()))


async def test_a_service_that_never_answers_timed_out(client: aiohttp.ClientSession) -> None:
    server = await asyncio.start_server(_silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ServiceTimeout):
            await search(upstreams(client, port))
    finally:
        server.close()


async def test_the_path_and_query_go_out_as_they_came(client: aiohttp.ClientSession) -> None:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        answer = await search(
            upstreams(client, port), "/vouchers/A%20B%2F1", "phone=138%2B00&x=%E5%88%B8"
        )
    finally:
        server.close()
    body = answer.body
    assert body["target"] == "/vouchers/A%20B%2F1?phone=138%2B00&x=%E5%88%B8"
    # the token is made for the path the service sees: decoded, without the query
    verifier = InternalVerifier(KEY, "voucher")
    assert verifier.verify(body["token"], "GET", "/vouchers/A B/1").actor is None


async def test_a_json_answer_asked_as_is_comes_back_as_its_bytes(
    client: aiohttp.ClientSession,
) -> None:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        answer = await upstreams(client, port).call(
            "voucher",
            "GET",
            "/vouchers",
            query="",
            body=None,
            actor=None,
            idempotency_key=None,
            as_is=True,
        )
    finally:
        server.close()
    assert answer.body is None and answer.raw is not None
    assert answer.raw.startswith(b'{"target": "/vouchers", "token": "')
    sent = answer.response()
    assert (sent.body, sent.headers["content-type"]) == (answer.raw, "application/json")
