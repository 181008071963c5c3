"""The notify service's own settings (``KEFU_*``, beside the platform's).

SMS sending and its rate limit, the HMAC key of the codes notify issues, the
announcements' schedule sweep, the sandbox SMS providers. The code rules' timings
(``verification_code_ttl_minutes``, ...) and the sealing key pair stay the platform's:
the rental service checks codes by the same rules, and every service that asks for a
code's SMS seals it (``shared/verification.py``, ``shared/sealing.py``).
"""

from __future__ import annotations

from pydantic import SecretStr

from shared.settings import PlatformSettings


class NotifySettings(PlatformSettings):
    sms_rate_limit_count: int = 5
    sms_rate_limit_window_seconds: int = 600
    """At most ``count`` SMS to one phone per window; a request beyond it is dead-lettered."""
    sms_max_attempts: int = 5
    """Rounds over both SMS providers before an SMS is given up (``notify.sms.failed.v1``).
    Keep it below ``retry_max_attempts``: the rounds are retried through the parking table."""
    verification_code_secret: SecretStr | None = None
    """HMAC key of stored verification codes; when unset, one is generated under ``home``."""
    announcement_sweep_seconds: float = 60.0
    """The longest the announcement schedule's sweep sleeps: it wakes when the next schedule
    is due and when one is set, so this only bounds a lost wake."""
    sandbox_sms_delay_ms: int = 0
    sandbox_sms_primary_fail_all: bool = False
    sandbox_sms_secondary_fail_all: bool = False
