"""``python -m services.rental``: serve the rental service until SIGINT or SIGTERM."""

from __future__ import annotations

from services.rental.app import create_app
from services.rental.settings import RentalSettings
from shared.http import run
from shared.telemetry import setup_telemetry


def main() -> None:
    settings = RentalSettings()
    setup_telemetry("rental", settings)
    port, metrics_port = settings.port_of("rental"), settings.metrics_port_of("rental")
    run(create_app(settings), settings.host, port, metrics_port)


if __name__ == "__main__":
    main()
