"""``python -m services.voucher``: serve the voucher service until SIGINT or SIGTERM."""

from __future__ import annotations

from services.voucher.app import create_app
from services.voucher.settings import VoucherSettings
from shared.http import run
from shared.telemetry import setup_telemetry


def main() -> None:
    settings = VoucherSettings()
    setup_telemetry("voucher", settings)
    port, metrics_port = settings.port_of("voucher"), settings.metrics_port_of("voucher")
    run(create_app(settings), settings.host, port, metrics_port)


if __name__ == "__main__":
    main()
