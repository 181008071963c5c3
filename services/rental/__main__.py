"""``python -m services.rental``: serve the rental service until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio

from services.rental.app import create_app
from shared.http import serve
from shared.settings import Settings
from shared.telemetry import setup_telemetry


def main() -> None:
    settings = Settings()
    setup_telemetry("rental", settings)
    asyncio.run(serve(create_app(settings), settings.host, settings.port_of("rental")))


if __name__ == "__main__":
    main()
