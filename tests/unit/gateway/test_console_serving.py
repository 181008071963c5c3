"""The console's files at / with the single-page fallback, the API and the probes untouched."""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.console import serve_console
from shared.http import make_app
from tests.serving import serving


@asynccontextmanager
async def _nothing(_: FastAPI) -> AsyncIterator[None]:
    yield


def _app(dist: Path) -> FastAPI:
    app = make_app("test", "test", _nothing)

    @app.get("/api/v1/known")
    async def known() -> dict[str, str]:
        return {"ok": "yes"}

    serve_console(app, dist)
    return app


@contextlib.asynccontextmanager
async def _client(dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(_app(dist), "http://gateway") as client:
        yield client


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<div id=root>app</div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("outside")
    return tmp_path


async def test_root_and_deep_links_answer_the_app(dist: Path) -> None:
    async with _client(dist) as client:
        for path in ("/", "/vouchers", "/vouchers/22015?phone=13800138000", "/messages/sms"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert "app" in response.text
            assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_served_cached_and_missing_ones_are_404(dist: Path) -> None:
    async with _client(dist) as client:
        found = await client.get("/assets/index-abc123.js")
        assert found.status_code == 200 and found.text == "console.log(1)"
        assert "immutable" in found.headers["cache-control"]
        assert (await client.get("/assets/index-old.js")).status_code == 404


async def test_a_browser_that_accepts_gzip_gets_the_precompressed_file(dist: Path) -> None:
    (dist / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(b"console.log(1)"))
    async with _client(dist) as client:
        js = "/assets/index-abc123.js"
        packed = await client.get(js, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["content-type"].startswith("text/javascript")
        assert packed.text == "console.log(1)"  # the client undid the gzip
        plain = await client.get(js, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == "console.log(1)"


async def test_the_api_is_untouched_and_unknown_api_paths_stay_json(dist: Path) -> None:
    async with _client(dist) as client:
        assert (await client.get("/api/v1/known")).json() == {"ok": "yes"}
        for path in ("/api/v1/unknown", "/api/v1"):
            response = await client.get(path)
            assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
        assert (await client.get("/openapi.json")).json()["info"]["title"] == "test"
        refused = await client.post("/vouchers")
        assert (refused.status_code, refused.json()["code"]) == (405, "method_not_allowed")
        for method in ("POST", "PUT", "DELETE"):
            unknown = await client.request(method, "/api/v1/unknown")
            assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found"), method
        wrong = await client.post("/api/v1/known")
        assert (wrong.status_code, wrong.json()["code"]) == (405, "method_not_allowed")


async def test_no_file_outside_the_build_is_served(dist: Path) -> None:
    async with _client(dist) as client:
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"):
            assert "outside" not in (await client.get(path)).text, path


async def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path) -> None:
    async with _client(tmp_path / "missing") as client:
        response = await client.get("/")
        assert response.status_code == 503
        assert "npm run build" in response.text
