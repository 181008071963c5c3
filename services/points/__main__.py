"""``python -m services.points``: serve the points gateway until SIGINT or SIGTERM."""

from __future__ import annotations

from services.points.app import create_app
from services.points.settings import PointsSettings
from shared.http import run
from shared.telemetry import setup_telemetry


def main() -> None:
    settings = PointsSettings()
    setup_telemetry("points", settings)
    port, metrics_port = settings.port_of("points"), settings.metrics_port_of("points")
    run(create_app(settings), settings.host, port, metrics_port)


if __name__ == "__main__":
    main()
