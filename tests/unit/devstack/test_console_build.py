"""`kefu up` builds the console only when its sources changed, and installs only when the
lockfile changed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from shared.devstack.console_build import build_console, is_built, source_hash


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.tsx").write_text("render()")
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "package-lock.json").write_text("{}")
    return tmp_path


class FakeNpm:
    """Stands in for npm: ``ci`` makes node_modules, ``run build`` writes dist/index.html."""

    def __init__(self, fail: str | None = None) -> None:
        self.calls: list[str] = []
        self.fail = fail

    def __call__(self, argv: Sequence[str], cwd: Path) -> int:
        step = argv[1]
        self.calls.append(step)
        if step == self.fail:
            return 1
        if step == "ci":
            (cwd / "node_modules").mkdir(exist_ok=True)
        else:
            (cwd / "dist").mkdir(exist_ok=True)
            (cwd / "dist" / "index.html").write_text("<div id=root>")
        return 0


@pytest.fixture(autouse=True)
def npm_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shared.devstack.console_build.shutil.which", lambda _: "/usr/bin/npm")


def test_builds_once_then_skips_until_a_source_changes(root: Path) -> None:
    npm, said = FakeNpm(), list[str]()
    assert build_console(said.append, root, npm) and npm.calls == ["ci", "run"]
    assert is_built(root)
    assert (root / "dist" / "index.html.gz").is_file(), "precompressed for the gateway"
    assert build_console(said.append, root, npm) and npm.calls == ["ci", "run"]
    assert "sources unchanged" in said[-1]
    (root / "src" / "main.tsx").write_text("render(<App />)")
    assert not is_built(root)
    assert build_console(said.append, root, npm) and npm.calls == ["ci", "run", "run"]
    (root / "package-lock.json").write_text('{"lockfileVersion": 3}')
    assert build_console(said.append, root, npm) and npm.calls[-2:] == ["ci", "run"]


def test_the_hash_covers_paths_and_contents(root: Path) -> None:
    before = source_hash(root)
    (root / "src" / "main.tsx").rename(root / "src" / "other.tsx")
    assert source_hash(root) != before
    (root / "dist").mkdir()
    (root / "dist" / "x.js").write_text("built")
    renamed = source_hash(root)
    assert source_hash(root) == renamed, "the build output is not a source"


def test_a_failed_install_or_build_leaves_no_stamp(root: Path) -> None:
    said: list[str] = []
    assert not build_console(said.append, root, FakeNpm(fail="ci"))
    assert not build_console(said.append, root, FakeNpm(fail="run"))
    assert not is_built(root) and "the API works" in said[-1]


def test_without_npm_it_says_so_and_the_stack_still_starts(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shared.devstack.console_build.shutil.which", lambda _: None)
    said: list[str] = []
    assert not build_console(said.append, root, FakeNpm())
    assert "npm not found" in said[0]
