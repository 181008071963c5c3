"""The console's files at / with the single-page fallback, the API and the probes untouched."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.gateway.console import serve_console
from shared.http import make_app


@asynccontextmanager
async def _nothing(_: FastAPI) -> AsyncIterator[None]:
    yield


def _client(dist: Path) -> TestClient:
    app = make_app("test", "test", _nothing)

    @app.get("/api/v1/known")
    async def known() -> dict[str, str]:
        return {"ok": "yes"}

    serve_console(app, dist)
    return TestClient(app)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<div id=root>app</div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("outside")
    return tmp_path


def test_root_and_deep_links_answer_the_app(dist: Path) -> None:
    client = _client(dist)
    for path in ("/", "/vouchers", "/vouchers/22015?phone=13800138000", "/messages/sms"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "app" in response.text
        assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_served_cached_and_missing_ones_are_404(dist: Path) -> None:
    client = _client(dist)
    found = client.get("/assets/index-abc123.js")
    assert found.status_code == 200 and found.text == "console.log(1)"
    assert "immutable" in found.headers["cache-control"]
    assert client.get("/assets/index-old.js").status_code == 404


def test_a_browser_that_accepts_gzip_gets_the_precompressed_file(dist: Path) -> None:
    (dist / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(b"console.log(1)"))
    client = _client(dist)
    packed = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["content-type"].startswith("text/javascript")
    assert packed.text == "console.log(1)"  # the client undid the gzip
    plain = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == "console.log(1)"


def test_the_api_is_untouched_and_unknown_api_paths_stay_json(dist: Path) -> None:
    client = _client(dist)
    assert client.get("/api/v1/known").json() == {"ok": "yes"}
    for path in ("/api/v1/unknown", "/api/v1", "/api/v2/x"):
        response = client.get(path)
        if path.startswith("/api/v1"):
            assert response.status_code == 404, path
            assert response.json()["code"] == "not_found"
    assert client.get("/openapi.json").json()["info"]["title"] == "test"
    refused = client.post("/vouchers")
    assert (refused.status_code, refused.json()["code"]) == (405, "method_not_allowed")
    for method in ("POST", "PUT", "DELETE"):
        unknown = client.request(method, "/api/v1/unknown")
        assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found"), method
    wrong = client.post("/api/v1/known")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "method_not_allowed")


def test_no_file_outside_the_build_is_served(dist: Path) -> None:
    client = _client(dist)
    response = client.get("/../secret.txt")
    assert "outside" not in response.text
    response = client.get("/%2e%2e/secret.txt")
    assert "outside" not in response.text


def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path) -> None:
    response = _client(tmp_path / "missing").get("/")
    assert response.status_code == 503
    assert "npm run build" in response.text
