"""``python -m services.refund``: serve the refund service until SIGINT or SIGTERM."""

from __future__ import annotations

from services.refund.app import create_app
from services.refund.settings import RefundSettings
from shared.http import run
from shared.telemetry import setup_telemetry


def main() -> None:
    settings = RefundSettings()
    setup_telemetry("refund", settings)
    port, metrics_port = settings.port_of("refund"), settings.metrics_port_of("refund")
    run(create_app(settings), settings.host, port, metrics_port)


if __name__ == "__main__":
    main()
