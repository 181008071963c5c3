"""Settings for every process, read from the environment (prefix ``KEFU_``).

With nothing set, ``kefu up`` starts the embedded PostgreSQL and Tansu broker and
hands their addresses to each service through ``KEFU_DATABASE_URL`` and
``KEFU_KAFKA_BOOTSTRAP``; set those two to point the same code at real servers.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("voucher", "points", "notify", "gateway")
"""Every service that runs as its own process, in start order (the gateway last)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore")

    home: Path = Path(".kefu")
    """Where the embedded stack keeps its data and generated secrets."""

    database_url: str | None = None
    """A PostgreSQL server URL. Each service uses its own database ``kefu_<service>`` on it."""

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_idempotence: bool = False
    """Idempotent producers: on for Apache Kafka, off for the embedded broker (it lacks them)."""
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 1000
    topic_partitions: int = 6
    topic_replication: int = 1

    host: str = "127.0.0.1"
    gateway_port: int = 8080
    voucher_port: int = 8101
    points_port: int = 8102
    notify_port: int = 8103
    refund_port: int = 8104
    rental_port: int = 8105

    timezone: str = "Asia/Shanghai"
    """The business's local time zone: voucher validity dates end at midnight here."""

    jwt_secret: SecretStr | None = None
    token_ttl_minutes: int = 30
    demo_password: SecretStr | None = None

    otlp_endpoint: str | None = None
    log_level: str = "INFO"
    log_json: bool = True

    consumer_batch_size: int = 500
    retry_base_seconds: float = 0.5
    retry_max_seconds: float = 60.0
    retry_max_attempts: int = 30
    """A parked message is retried this many times (back-off doubling up to the cap), then DLQ'd."""

    reversal_wait_seconds: float = 2.0
    """How long a reversal command waits for its final result before answering ``pending``."""
    voucher_commands_in_flight: int = 32
    """Voids, reversals and retries one voucher process runs at once; more get 503 ``busy``."""
    points_request_timeout_seconds: float = 30.0
    """A reversal re-publishes its points refund request if no answer came within this time."""

    sandbox_issuer_delay_ms: int = 0
    sandbox_issuer_fail_all: bool = False
    sandbox_points_delay_ms: int = 0
    sandbox_points_fail_all: bool = False

    # --- notify: SMS, verification codes, announcements ---
    sms_rate_limit_count: int = 5
    sms_rate_limit_window_seconds: int = 600
    """At most ``count`` SMS to one phone per window; a request beyond it is dead-lettered."""
    sms_max_attempts: int = 5
    """Rounds over both SMS providers before an SMS is given up (``notify.sms.failed.v1``).
    Keep it below ``retry_max_attempts``: the rounds are retried through the parking table."""
    verification_code_ttl_minutes: int = 5
    verification_code_max_attempts: int = 5
    verification_code_resend_seconds: int = 60
    """A new code for the same phone and purpose only after this many seconds."""
    verification_code_secret: SecretStr | None = None
    """HMAC key of stored verification codes; when unset, one is generated under ``home``."""
    announcement_sweep_seconds: float = 1.0
    sandbox_sms_delay_ms: int = 0
    sandbox_sms_primary_fail_all: bool = False
    sandbox_sms_secondary_fail_all: bool = False

    # --- refund: refund forms, approval chain, time limits, payouts, after-sales ---

    # --- rental: users, orders, accounts, stored value ---

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def port_of(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port

    def url_of(self, service: str) -> str:
        return f"http://{self.host}:{self.port_of(service)}"

    def database_url_for(self, service: str) -> str:
        if not self.database_url:
            raise RuntimeError(
                "KEFU_DATABASE_URL is not set: run through `kefu up`,"
                " or point it at a PostgreSQL server"
            )
        return database_url_with_name(self.database_url, f"kefu_{service}")


def database_url_with_name(url: str, name: str) -> str:
    """The same server URL with its database replaced (keeps ``?host=`` socket paths)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))
