"""Kafka requests per reversal, by kind and by service, from the counts the probe wrote.

Run a benchmark with ``PYTHONPATH=bench/probe BENCH_KAFKA_COUNT=<folder>`` (the
services count their clients' requests per second and write them at exit, see
``bench/probe/sitecustomize.py``), then ``python -m bench.kafka_count <folder>``: per
second the reversal results produced (one per reversal), and, over the seconds in which
at least ``--busy`` of them were produced (the loops, not the warm-up's tail or the idle
spells between runs), each service's requests by kind per reversal.
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

from shared.contracts.points import POINTS_REVERSAL_RESULT

PER_REVERSAL = f"record {POINTS_REVERSAL_RESULT.name}"


def read(folder: Path) -> dict[str, collections.Counter[tuple[int, str]]]:
    """Each service's counts, keyed by (second, kind)."""
    counts: dict[str, collections.Counter[tuple[int, str]]] = {}
    for path in sorted(folder.glob("kafka-*.tsv")):
        service = path.stem.split("-")[1]
        mine = counts.setdefault(service, collections.Counter())
        for line in path.read_text().splitlines():
            second, kind, n = line.split("\t")
            mine[int(second), kind] += int(n)
    return counts


def report(folder: Path, busy: int) -> str:
    counts = read(folder)
    reversals: collections.Counter[int] = collections.Counter()
    for mine in counts.values():
        for (second, kind), n in mine.items():
            if kind == PER_REVERSAL:
                reversals[second] += n
    if not reversals:
        return f"no {PER_REVERSAL} in {folder}"
    seconds = {s for s, n in reversals.items() if n >= busy}
    total = sum(reversals[s] for s in seconds)
    lines = [
        "reversal results produced per second: "
        + " ".join(str(reversals[s]) for s in range(min(reversals), max(reversals) + 1)),
        f"{len(seconds)} seconds with at least {busy}: {total:,} reversals",
    ]
    if not total:
        return "\n".join(lines)
    for service, mine in sorted(counts.items()):
        kinds: collections.Counter[str] = collections.Counter()
        for (second, kind), n in mine.items():
            if second in seconds:
                kinds[kind] += n
        requests = sum(n for k, n in kinds.items() if not k.startswith("record "))
        lines.append(f"{service}: {requests / total:.2f} requests per reversal")
        lines += [f"  {kind}: {n / total:.3f}" for kind, n in sorted(kinds.items())]
    return "\n".join(lines)


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.kafka_count", description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument(
        "--busy", type=int, default=10, help="reversals a second for the second to count"
    )
    args = parser.parse_args(argv)
    print(report(args.folder, args.busy))


if __name__ == "__main__":
    cli()
