"""bench/RESULTS.md: one section per benchmark, rewritten in place between markers.

Each benchmark owns the text between ``<!-- bench:NAME:start -->`` and
``<!-- bench:NAME:end -->``; a re-run replaces its own section and leaves the
others as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

RESULTS = Path(__file__).parent / "RESULTS.md"
ORDER: tuple[str, ...] = (
    "query",
    "query_http",
    "ingest",
    "reversal",
    "idle",
    "notify",
    "rental",
    "rental_accounts",
)
ORDER += ("refund", "console", "console_export", "analysis")
"""``analysis`` is written by hand (it says why); the others by their benchmarks."""

_HEADER = """# Benchmark results

Measured figures only: every number in a benchmark's section was printed by that
benchmark, on the machine the section describes; the last section, written by
hand, explains the shortfalls from those runs and profiles of the same day. Re-run with `make bench`
(all) or `python -m bench.<name>` (one); each run rewrites its own section.
"""


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace (or add, in ``ORDER``) the section ``name`` of RESULTS.md."""
    text = path.read_text(encoding="utf-8") if path.exists() else _HEADER
    start, end = _markers(name)
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = _insert_in_order(text, name, block)
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def _insert_in_order(text: str, name: str, block: str) -> str:
    """Put a new section before the first later section that exists, else at the end."""
    later = ORDER[ORDER.index(name) + 1 :] if name in ORDER else ()
    for other in later:
        other_start, _ = _markers(other)
        if other_start in text:
            head, tail = text.split(other_start, 1)
            return f"{head}{block}\n\n{other_start}{tail}"
    return f"{text.rstrip()}\n\n{block}\n"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (right-aligned numbers are left to the reader's renderer)."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
