"""Print the gateway's OpenAPI document, from the code, without starting anything.

The console's typed client is generated from this (``make console-api``), and
``make test`` regenerates it to fail when the committed types are stale.
"""

from __future__ import annotations

import json
import sys

from services.gateway.app import create_app
from shared.settings import Settings


def openapi_json() -> str:
    # The lifespan never runs: no database is reached, the URL only satisfies the settings.
    app = create_app(Settings(database_url="postgresql://unused/openapi"))
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(openapi_json())
