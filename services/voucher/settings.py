"""The voucher service's own settings (``KEFU_*``, beside the platform's).

The commands' admission bound, the reversal's points request timer, the sandbox
lottery issuer. ``reversal_wait_seconds`` stays the platform's: the gateway reads it
too (its upstream timeout allows for the reversal's wait).
"""

from __future__ import annotations

from shared.settings import PlatformSettings


class VoucherSettings(PlatformSettings):
    voucher_commands_in_flight: int = 32
    """Voids, reversals and retries one voucher process runs at once; more wait their turn."""
    voucher_commands_queued: int = 64
    """Commands that may wait for a turn (first come, first served); more get 503 ``busy``."""
    points_request_timeout_seconds: float = 30.0
    """A reversal re-publishes its points refund request if no answer came within this time."""
    sandbox_issuer_delay_ms: int = 0
    sandbox_issuer_fail_all: bool = False
