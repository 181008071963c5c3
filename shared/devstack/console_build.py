"""Build the agent console (console/) for ``kefu up`` when its sources changed.

``npm ci`` installs from the committed lockfile (only when the lockfile changed since the
last install), then ``vite build`` writes console/dist, which the gateway serves at ``/``.
A hash of the sources is kept beside the build, so an unchanged console is not rebuilt.
Without npm, or when the build fails, the API still works: the gateway's ``/`` then says
how to build the console.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

CONSOLE = Path(__file__).resolve().parents[2] / "console"
SOURCES: tuple[str, ...] = (".npmrc", "index.html", "package.json", "package-lock.json")
SOURCES += ("tsconfig.json", "vite.config.ts", "src")
STAMP = ".source-hash"
LOCK_STAMP = ".kefu-lock-hash"

Runner = Callable[[Sequence[str], Path], int]


def _run(argv: Sequence[str], cwd: Path) -> int:
    return subprocess.run(list(argv), cwd=cwd, check=False).returncode


def _digest(paths: Sequence[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_hash(root: Path = CONSOLE) -> str:
    """A hash of every file the build reads, paths and contents."""
    files: list[Path] = []
    for name in SOURCES:
        path = root / name
        if path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file()]
        elif path.is_file():
            files.append(path)
    return _digest(files, root)


def _lock_hash(root: Path) -> str:
    return _digest([root / "package-lock.json", root / "package.json"], root)


def is_built(root: Path = CONSOLE) -> bool:
    stamp = root / "dist" / STAMP
    built = (root / "dist" / "index.html").is_file() and stamp.is_file()
    return built and stamp.read_text() == source_hash(root)


def install_dependencies(out: Callable[[str], None], npm: str, root: Path, run: Runner) -> bool:
    """``npm ci`` when the lockfile changed since the last install; True when installed."""
    lock = root / "node_modules" / LOCK_STAMP
    wanted = _lock_hash(root)
    if lock.is_file() and lock.read_text() == wanted:
        return True
    out("Console: npm ci (from the committed lockfile) ...")
    if run([npm, "ci", "--no-audit", "--no-fund"], root) != 0:
        out("Console: npm ci failed.")
        return False
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(wanted)
    return True


def build_console(out: Callable[[str], None], root: Path = CONSOLE, run: Runner = _run) -> bool:
    """Build when the sources changed; True when a current build is there afterwards."""
    if not (root / "package.json").is_file():
        return False
    if is_built(root):
        out("Console: built, sources unchanged.")
        return True
    npm = shutil.which("npm")
    if npm is None:
        out("Console: npm not found (install Node.js 20), so it is not built; the API works.")
        return False
    if not install_dependencies(out, npm, root, run):
        out("Console: not built; the API works.")
        return False
    out("Console: vite build ...")
    digest = source_hash(root)
    if run([npm, "run", "build", "--silent"], root) != 0:
        out("Console: the build failed; the console is not built, the API works.")
        return False
    precompress(root / "dist")
    (root / "dist" / STAMP).write_text(digest)
    return True


COMPRESSIBLE = (".js", ".css", ".html", ".svg", ".json")


def precompress(dist: Path) -> None:
    """A ``.gz`` beside each text file of the build: the gateway sends it to browsers that
    accept gzip, compressed once here rather than on every request."""
    for path in dist.rglob("*"):
        if path.is_file() and path.suffix in COMPRESSIBLE:
            path.with_name(path.name + ".gz").write_bytes(
                gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
            )


def main(argv: Sequence[str]) -> int:
    """``python -m shared.devstack.console_build [--deps]``: what ``make`` runs;
    ``--precompress DIR``: the ``.gz`` twins of a build made elsewhere (the Docker image's
    node stage, which has no Python)."""
    if argv[:1] == ["--precompress"] and len(argv) == 2:
        precompress(Path(argv[1]))
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("npm not found: install Node.js 20 (Debian: apt-get install -y nodejs npm)")
        return 1
    if "--deps" in argv:
        return 0 if install_dependencies(print, npm, CONSOLE, _run) else 1
    return 0 if build_console(print) else 1


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
