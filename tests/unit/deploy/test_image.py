"""deploy/Dockerfile builds the agent console and the gateway serves it, checked without a
Docker engine: the stages' files, the path the built files land on, and the gateway
serving from that path when the image's setting says so."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import httpx
import pytest

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from shared.devstack import console_build
from shared.settings import Settings
from tests.unit.deploy.paths import DEPLOY, ROOT

DOCKERFILE = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
IGNORE = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()


def stages() -> dict[str, list[str]]:
    """Each build stage's instructions (continuation lines joined), by its name."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    found: dict[str, list[str]] = {}
    name = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            parts = line.split()
            name = parts[3] if len(parts) > 3 and parts[2].upper() == "AS" else "final"
        found.setdefault(name, []).append(line)
    return found


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in stages()["final"]:
        if line.startswith("ENV "):
            env.update(re.findall(r"(\w+)=(\S+)", line))
    return env


def test_a_node_stage_builds_the_console_from_the_committed_lockfile() -> None:
    console = stages()["console"]
    assert console[0].startswith("FROM node:20")
    runs = [line for line in console if line.startswith("RUN ")]
    assert runs == ["RUN npm ci --no-audit --no-fund", "RUN npm run build"]
    copied = set()
    for line in console:
        if line.startswith("COPY "):
            copied |= set(line.split()[1:-1])
    # the same files `kefu up`'s build reads: no source left out, nothing else in
    assert copied == {f"console/{name}" for name in console_build.SOURCES}
    for path in copied:
        assert (ROOT / path).exists(), path
    # npm ci installs from the lockfile before any source is copied (a cached layer)
    first_sources = next(i for i, line in enumerate(console) if "console/src" in line)
    assert console.index("RUN npm ci --no-audit --no-fund") < first_sources
    assert '"build": "vite build"' in (ROOT / "console" / "package.json").read_text()


def test_the_build_context_holds_the_console_sources_and_not_its_build() -> None:
    assert "!console/" in IGNORE
    assert {"console/node_modules", "console/dist"} <= set(IGNORE)


def test_the_built_files_land_where_the_gateway_of_the_image_serves_them_from() -> None:
    final = stages()["final"]
    [copy] = [line for line in final if line.startswith("COPY --from=console ")]
    source, target = copy.split()[2:]
    workdir = next(line.split()[1] for line in stages()["console"] if line.startswith("WORKDIR"))
    assert source == f"{workdir}/dist"  # vite's outDir
    assert 'outDir: "dist"' in (ROOT / "console" / "vite.config.ts").read_text()
    assert image_env()["KEFU_CONSOLE_DIST"] == target
    assert f"RUN python -m shared.devstack.console_build --precompress {target}" in final
    # the gateway of the image reads that setting from its environment
    read = GatewaySettings.of(Settings())
    assert read.console_dist == console_build.CONSOLE / "dist"  # unset: the source tree's
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KEFU_CONSOLE_DIST", target)
        assert GatewaySettings.of(Settings()).console_dist == Path(target)


async def test_the_gateway_serves_the_console_from_kefu_console_dist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = tmp_path / "app" / "console" / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text("<div id=root>the image's console</div>")
    (built / "assets" / "index-abc123.js").write_text("console.log('kefu')")
    assert console_build.main(["--precompress", str(built)]) == 0
    assert gzip.decompress((built / "index.html.gz").read_bytes()).startswith(b"<div")
    monkeypatch.setenv("KEFU_CONSOLE_DIST", str(built))
    app = create_app(Settings(database_url="postgresql://unused/console"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        for path in ("/", "/vouchers?phone=13800138000"):
            page = await client.get(path, headers={"Accept-Encoding": "identity"})
            assert page.status_code == 200, path
            assert "the image's console" in page.text
        asset = await client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
        assert asset.headers["Content-Encoding"] == "gzip"
        assert asset.text == "console.log('kefu')"
