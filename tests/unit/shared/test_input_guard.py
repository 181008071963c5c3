"""NUL characters, integers beyond bigint and oversized bodies are refused at the door,
with a code, before a route (and so the database) sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from shared.http import make_app
from shared.input_guard import allow_body

SEEN: list[object] = []


class Thing(BaseModel):
    name: str
    count: int = 0
    tags: list[str] = []


def app() -> FastAPI:
    made = make_app("t", "an app under test", None)

    @made.post("/things")
    async def create(thing: Thing) -> Thing:
        SEEN.append(thing)
        return thing

    @made.get("/things/{number}")
    async def read(number: int, limit: int = 10, code: str = "") -> dict[str, object]:
        SEEN.append(number)
        return {"number": number, "limit": limit, "code": code}

    return made


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    SEEN.clear()
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


def refused(response: httpx.Response, status: int, code: str) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert set(response.json()) == {"code", "message"}


async def test_a_nul_anywhere_in_the_body_query_or_path_is_refused(
    client: httpx.AsyncClient,
) -> None:
    refused(await client.post("/things", json={"name": "ag\u0000ent"}), 422, "nul_character")
    refused(
        await client.post("/things", json={"name": "a", "tags": ["x\u0000"]}), 422, "nul_character"
    )
    refused(await client.post("/things", json={"na\u0000me": "a"}), 422, "nul_character")
    refused(await client.get("/things/1?code=a%00b"), 422, "nul_character")
    refused(await client.get("/things/1%00"), 422, "nul_character")
    assert SEEN == []


async def test_integers_beyond_bigint_are_refused_where_they_are_integers(
    client: httpx.AsyncClient,
) -> None:
    refused(
        await client.post("/things", json={"name": "a", "count": 2**63}),
        422,
        "integer_out_of_range",
    )
    refused(await client.get(f"/things/1?limit={2**63}"), 422, "integer_out_of_range")
    refused(await client.get(f"/things/{-(2**63) - 1}"), 422, "integer_out_of_range")
    assert SEEN == []
    # a long run of digits the route takes as text stays text
    digits = "4200000000000000000000000001"
    ok = await client.get(f"/things/{2**63 - 1}?code={digits}")
    assert ok.status_code == 200 and ok.json()["code"] == digits
    kept = await client.post("/things", json={"name": digits, "count": 2**63 - 1})
    assert kept.status_code == 200 and kept.json()["count"] == 2**63 - 1


async def test_a_body_over_a_mebibyte_gets_413_however_it_comes(client: httpx.AsyncClient) -> None:
    big = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    declared = await client.post(
        "/things", content=big, headers={"content-type": "application/json"}
    )
    refused(declared, 413, "body_too_large")

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(big), 65536):
            yield big[i : i + 65536]

    streamed = await client.post(
        "/things", content=chunks(), headers={"content-type": "application/json"}
    )
    refused(streamed, 413, "body_too_large")
    assert SEEN == []
    fine = await client.post("/things", json={"name": "x" * 1000, "tags": ["a"]})
    assert fine.status_code == 200 and fine.json()["name"] == "x" * 1000


async def test_a_route_given_more_room_takes_a_larger_body() -> None:
    made = app()
    allow_body(made, "/things", 3 * 1024 * 1024)
    transport = httpx.ASGITransport(app=made)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        fine = await client.post("/things", json={"name": "x" * 2_000_000})
        assert fine.status_code == 200
        over = await client.post("/things", json={"name": "x" * 4_000_000})
        refused(over, 413, "body_too_large")


def test_every_route_declares_the_413_it_may_answer() -> None:
    paths = app().openapi()["paths"]
    assert all("413" in op["responses"] for item in paths.values() for op in item.values())
