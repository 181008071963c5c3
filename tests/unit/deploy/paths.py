from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
RUNBOOK = ROOT / "docs" / "runbook.md"


def service_names() -> list[str]:
    """Every service that runs as a process (has a ``__main__``), whether or not it is
    in ``kefu up``'s list yet."""
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/__main__.py"))


OWN_SECRETS = {
    "KEFU_SMS_SEAL_KEY": "notify",  # opens the verification codes sealed on Kafka
    "KEFU_VERIFICATION_CODE_SECRET": "notify",
    "KEFU_JWT_SECRET": "gateway",  # with it, anyone could mint a token for any role
    "KEFU_RENTAL_CODE_SECRET": "rental",
}
"""Secrets one service alone uses, and that service: only its pods may read them."""
