"""The gateway's own settings (``KEFU_*``, beside the platform's)."""

from __future__ import annotations

from pathlib import Path

from shared.settings import PlatformSettings

SOURCE_CONSOLE_DIST = Path(__file__).resolve().parents[2] / "console" / "dist"
"""Where ``vite build`` writes in a source tree (``kefu up`` builds it when it changed)."""


class GatewaySettings(PlatformSettings):
    console_dist: Path = SOURCE_CONSOLE_DIST
    """The agent console's built files, served at ``/``: the source tree's ``console/dist``
    by default; the Docker image builds the console and sets its own path (deploy/Dockerfile)."""
    account_check_seconds: float = 5.0
    """How long a signed-in account (active, roles, sessions) read from the database is
    trusted before the next request reads it again. A sign-out, disable or role change
    made on this gateway takes effect at once; one made on another replica within this."""
