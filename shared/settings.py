"""Settings for every process, read from the environment (prefix ``KEFU_``).

With nothing set, ``kefu up`` starts the embedded PostgreSQL and Tansu broker and
hands their addresses to each service through ``KEFU_DATABASE_URL`` and
``KEFU_KAFKA_BOOTSTRAP``; set those two to point the same code at real servers.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("voucher", "points", "notify", "refund", "rental", "gateway")
"""Every service that runs as its own process, in start order (the gateway last)."""


class PlatformSettings(BaseSettings):
    """What every process reads: the stack, the broker, the databases, ports, sign-in,
    observability. A service's own settings are a subclass in the service
    (``services/<name>/settings.py``), so a new one never edits ``shared/``."""

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
    kafka_fetch_wait_ms: int = 500
    """How long a consumer's fetch may wait on quiet partitions. The broker answers as soon
    as a message arrives (Apache Kafka; the embedded one through its long-poll front), so
    this only sets how often an idle consumer asks, and how long a request sent behind a
    waiting fetch on the same connection may wait on Apache Kafka (Kafka's own default
    here). ``kefu up`` gives a longer one to the services on its embedded broker, whose
    front answers such a request at once. Below the clients' request timeout."""
    kafka_commit_interval_ms: int = 1000
    """The shortest time between two offset commits of a consumer: each carries every offset
    settled since the last, and the consumer never waits for one (shared.messaging.commits).
    What a crash leaves uncommitted is delivered again and absorbed by the inbox. 0: a
    commit after each batch (still not waited for)."""
    kafka_join_timeout_seconds: float = 60.0
    """How long a service waits at start for its consumer groups' first partitions before
    it gives up (exits, to be restarted) instead of waiting on a group that never settles."""
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] | None = None
    """SASL authentication to Kafka (production: SCRAM-SHA-512 over TLS); None: none."""
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_tls: bool = False
    """TLS to the brokers; ``kafka_tls_cafile`` names the CA bundle if not the system's."""
    kafka_tls_cafile: str | None = None
    topic_partitions: int = 6
    topic_replication: int = 1

    start_timeout_seconds: float = 90.0
    """``kefu up`` gives up when a service is not healthy this long after it started."""

    # --- recovery and health (docs/runbook.md "Consumer stalled") ---
    consumer_check_seconds: float = 5.0
    """How often each subscription checks that its consumer can fetch (its topic and
    assigned partitions exist; at every fifth check, or while failing, a coordinator
    answers), and the outbox relay that the broker is the one it published to."""
    consumer_stall_seconds: float = 10.0
    """A subscription that cannot fetch or commit this long re-creates its consumer and
    rejoins its group (then again after a doubling back-off, at most a minute)."""
    idempotency_lease_seconds: float = 5.0
    """The gateway holds an Idempotency-Key in flight for this long, renewed every third of
    it while the request runs: a crashed gateway's keys are free again within it."""
    health_consumer_failing_seconds: float = 30.0
    """``/health`` answers 503 when a subscription has been failing this long."""
    health_outbox_age_seconds: float = 60.0
    """``/health`` answers 503 when the oldest unsent outbox row is this old."""
    outbox_retention_seconds: float = 86_400.0
    """Sent outbox rows are kept this long (then deleted)."""
    outbox_republish_seconds: float = 3_600.0
    """After the broker restarts empty (its cluster id changes), the relay sends again what
    it sent in this window (at most the retention); consumers drop what they had."""

    host: str = "127.0.0.1"
    upstream_host: str | None = None
    """Where the other services are called when they are not on ``host``: a host name with
    ``{service}`` in it (``{service}`` in compose, ``{service}.kefu.svc`` in Kubernetes)."""
    gateway_port: int = 8080
    voucher_port: int = 8101
    points_port: int = 8102
    notify_port: int = 8103
    refund_port: int = 8104
    rental_port: int = 8105
    # Prometheus text at GET /metrics on a port of its own per service, never the API's:
    # the gateway's callers cannot reach it, and a NetworkPolicy lets only Prometheus in
    gateway_metrics_port: int = 9180
    voucher_metrics_port: int = 9181
    points_metrics_port: int = 9182
    notify_metrics_port: int = 9183
    refund_metrics_port: int = 9184
    rental_metrics_port: int = 9185

    timezone: str = "Asia/Shanghai"
    """The business's local time zone: voucher validity dates end at midnight here."""

    jwt_secret: SecretStr | None = None
    internal_secret: SecretStr | None = None
    """The gateway's key for signing calls to the services (shared.internal_auth); not the
    users' JWT key. Unset: generated once under ``home``."""
    token_ttl_minutes: int = 30
    sign_in_failures_per_account: int = 5
    """Failed sign-ins to one account in the window before it is locked (429), the lock
    doubling with each further failure."""
    sign_in_failures_per_address: int = 20
    """The same from one client address: higher, as an office shares one address."""
    sign_in_window_minutes: int = 15
    password_hash_workers: int = 1
    """Threads that hash and verify passwords (argon2): a burst of sign-ins uses at most
    these, leaving the event loop its core."""
    password_hash_queue: int = 32
    """Sign-ins that may wait for a hashing thread; past it 503 ``busy``."""
    demo_password: SecretStr | None = None

    otlp_endpoint: str | None = None
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    """The share of new traces recorded and exported (OpenTelemetry's parent-based
    trace-id ratio: a trace started upstream keeps its caller's decision). Only with
    ``otlp_endpoint``: without it no span is recorded, as none would be read."""
    log_level: str = "INFO"
    log_json: bool = True

    consumer_batch_size: int = 500
    retry_base_seconds: float = 0.5
    retry_max_seconds: float = 60.0
    retry_max_attempts: int = 30
    """A parked message is retried this many times (back-off doubling up to the cap), then DLQ'd."""

    reversal_wait_seconds: float = 2.0
    """How long a reversal command waits for its final result before answering ``pending``.
    The platform's, not the voucher service's alone: the gateway's upstream timeout allows
    for it."""

    # --- verification codes (shared/verification.py: notify issues them, rental too) ---
    verification_code_ttl_minutes: int = 5
    verification_code_max_attempts: int = 5
    verification_code_resend_seconds: int = 60
    """A new code for the same phone and purpose only after this many seconds."""
    sms_seal_key: SecretStr | None = None
    """notify's private key (X25519, 32 bytes url-safe base64) that opens an SMS request's
    sealed parameters (a verification code); unset: generated under ``home``."""
    sms_seal_public_key: str | None = None
    """Its public key, which a service asking for a code's SMS seals it with; unset: that
    of the key under ``home`` (every service on one host)."""

    # --- observability ---
    metrics: bool = True
    """OpenTelemetry metrics: Prometheus text at ``GET /metrics`` on each service's metrics
    port (and OTLP with ``otlp_endpoint``). Off: no meter provider, no metrics port opened,
    nothing else changes."""
    span_flush_delay_ms: int = 2000
    """How long finished spans wait in the batch before export (tests use 100)."""
    metrics_export_interval_ms: int = 15000
    """How often metrics are pushed over OTLP (Prometheus scrapes whenever it likes)."""
    metrics_sample_seconds: float = 5.0
    """How often the outbox backlog and parked-message gauges are read from the database."""
    lag_poll_seconds: float = 5.0
    """How often consumer lag per partition is read from the Kafka consumers."""
    db_spans: bool = True
    """A CLIENT span per SQL statement (OpenTelemetry database conventions)."""

    @classmethod
    def of(cls, settings: PlatformSettings) -> Self:
        """``settings``' values as this class: a service's own settings built from the
        platform's that ``kefu replay`` or a test hands it, its own fields read from the
        environment as at start."""
        if isinstance(settings, cls):
            return settings
        return cls(**{name: getattr(settings, name) for name in type(settings).model_fields})

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def port_of(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port

    def metrics_port_of(self, service: str) -> int:
        port: int = getattr(self, f"{service}_metrics_port")
        return port

    def url_of(self, service: str) -> str:
        host = self.upstream_host.format(service=service) if self.upstream_host else self.host
        return f"http://{host}:{self.port_of(service)}"

    def database_url_for(self, service: str) -> str:
        if not self.database_url:
            raise RuntimeError(
                "KEFU_DATABASE_URL is not set: run through `kefu up`,"
                " or point it at a PostgreSQL server"
            )
        return database_url_with_name(self.database_url, f"kefu_{service}")


Settings = PlatformSettings
"""The name the modules written before the split import; the same class."""


def database_url_with_name(url: str, name: str) -> str:
    """The same server URL with its database replaced (keeps ``?host=`` socket paths)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))
