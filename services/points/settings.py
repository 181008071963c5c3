"""The points gateway's own settings (``KEFU_*``, beside the platform's): its sandbox
points provider."""

from __future__ import annotations

from shared.settings import PlatformSettings


class PointsSettings(PlatformSettings):
    sandbox_points_delay_ms: int = 0
    sandbox_points_fail_all: bool = False
