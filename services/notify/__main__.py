"""``python -m services.notify``: serve the notify service until SIGINT or SIGTERM."""

from __future__ import annotations

from services.notify.app import create_app
from services.notify.settings import NotifySettings
from shared.http import run
from shared.telemetry import setup_telemetry


def main() -> None:
    settings = NotifySettings()
    setup_telemetry("notify", settings)
    port, metrics_port = settings.port_of("notify"), settings.metrics_port_of("notify")
    run(create_app(settings), settings.host, port, metrics_port)


if __name__ == "__main__":
    main()
