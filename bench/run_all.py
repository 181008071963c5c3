"""``make bench``: every benchmark, one after another, each updating its section of
bench/RESULTS.md. Sizes and counts are each benchmark's defaults (run one alone
with ``python -m bench.<name> --help`` to change them)."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = (
    "query",
    "ingest",
    "reversal",
    "idle",
    "notify",
    "refund",
    "rental",
    "rental_accounts",
    "console",
    "console_export",
)


def main() -> None:
    failed = []
    for name in BENCHMARKS:
        print(f"\n######## bench.{name}", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").cli([])
        except Exception as exc:  # one failing benchmark must not hide the others' figures
            failed.append(name)
            print(f"bench.{name} failed: {exc!r}", file=sys.stderr, flush=True)
        print(f"######## bench.{name}: {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
