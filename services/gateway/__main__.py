"""``python -m services.gateway``: serve the gateway until SIGINT or SIGTERM."""

from __future__ import annotations

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from shared.http import run
from shared.telemetry import setup_telemetry


def main() -> None:
    settings = GatewaySettings()
    setup_telemetry("gateway", settings)
    port, metrics_port = settings.port_of("gateway"), settings.metrics_port_of("gateway")
    run(create_app(settings), settings.host, port, metrics_port)


if __name__ == "__main__":
    main()
