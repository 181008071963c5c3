"""``$KEFU_HOME/stack.env``: the running stack's settings, for every other ``kefu`` command.

``kefu up`` writes the settings it actually runs with (the embedded broker's and
PostgreSQL's addresses, the ports, the time zone) when it is up, and removes the
file when it stops. ``kefu demo``, ``kefu dlq`` and the rest read it, so a second
terminal needs no ``KEFU_*`` repeated: a variable set in the environment still wins.
Secrets are never written here: the demo password stays in ``demo_password`` (or in
``KEFU_DEMO_PASSWORD``), the JWT secret in ``jwt_secret``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

STACK_ENV = "stack.env"
_SECRET_NAMES = ("SECRET", "PASSWORD", "KEY")


def home_of(environ: Mapping[str, str]) -> Path:
    """Where ``kefu up`` keeps its state: ``KEFU_HOME``, else ``.kefu`` here."""
    return Path(environ.get("KEFU_HOME") or ".kefu")


def write_stack_env(home: Path, env: Mapping[str, str]) -> Path:
    """Write the non-secret ``KEFU_*`` settings, owner-only (the database URL may hold one)."""
    lines = [
        "# Written by `kefu up` while it runs; read by every other kefu command.",
        "# A KEFU_* variable set in the environment wins over the line here.",
    ]
    for name in sorted(env):
        if name.startswith("KEFU_") and not any(s in name for s in _SECRET_NAMES):
            lines.append(f"{name}={env[name]}")
    path = home / STACK_ENV
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def read_stack_env(home: Path) -> dict[str, str]:
    path = home / STACK_ENV
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[name.strip()] = value
    return values


def load_stack_env(environ: MutableMapping[str, str]) -> dict[str, str]:
    """Fill the environment from the running stack's file; what is set already stays.
    Returns what it added."""
    added = {k: v for k, v in read_stack_env(home_of(environ)).items() if k not in environ}
    environ.update(added)
    return added


def remove_stack_env(home: Path) -> None:
    (home / STACK_ENV).unlink(missing_ok=True)
