"""Kafka clients configured from settings, and topic creation.

Nothing here relies on idempotent producers, transactions or end offsets: the
embedded broker has none of them (see BROKER.md); delivery is at least once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import aiokafka.client
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.helpers import create_ssl_context
from aiokafka.protocol.metadata import MetadataRequest

from shared.contracts import Topic
from shared.settings import Settings

if TYPE_CHECKING:
    from faststream.security import BaseSecurity

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 5 * 1024 * 1024

# No client of ours creates a topic by asking for it. aiokafka's metadata requests ask
# the broker to (``allow_auto_topic_creation``, on unless told), and the embedded broker
# does, with its own partition count: after it restarts, the first consumer or relay to
# ask would make every topic with 4 partitions before ``kefu up`` re-creates them with
# ours, and the groups would commit to partitions that then no longer exist. Topics are
# created only by :func:`ensure_topics` (and the topics job on Kafka), so a missing
# topic is an error the watchdog and the relay see and retry.
aiokafka.client.MetadataRequest = functools.partial(
    MetadataRequest, allow_auto_topic_creation=False
)


def secured(settings: Settings) -> bool:
    return settings.kafka_tls or settings.kafka_sasl_mechanism is not None


class KafkaSecurityInconsistent(ValueError):
    """``KEFU_KAFKA_*`` settings that contradict each other: refused at start rather than
    half-applied (a password set but never sent, a CA file for a connection without TLS)."""


def check_security(settings: Settings) -> None:
    """Refuse security settings that cannot mean what whoever set them meant."""
    mechanism = settings.kafka_sasl_mechanism
    credentials = settings.kafka_sasl_username or settings.kafka_sasl_password is not None
    if mechanism is None and credentials:
        raise KafkaSecurityInconsistent(
            "KEFU_KAFKA_SASL_USERNAME or _PASSWORD is set but KEFU_KAFKA_SASL_MECHANISM is not:"
            " the credentials would never be sent (set SCRAM-SHA-512 for the production cluster)"
        )
    if mechanism is not None and (
        not settings.kafka_sasl_username or settings.kafka_sasl_password is None
    ):
        raise KafkaSecurityInconsistent(
            "KEFU_KAFKA_SASL_MECHANISM needs KEFU_KAFKA_SASL_USERNAME and _PASSWORD"
        )
    if mechanism == "PLAIN" and not settings.kafka_tls:
        raise KafkaSecurityInconsistent(
            "KEFU_KAFKA_SASL_MECHANISM=PLAIN sends the password in clear: it needs"
            " KEFU_KAFKA_TLS=true (or use SCRAM-SHA-512)"
        )
    if settings.kafka_tls_cafile is not None and not settings.kafka_tls:
        raise KafkaSecurityInconsistent(
            "KEFU_KAFKA_TLS_CAFILE is set but KEFU_KAFKA_TLS is not: the CA would never be used"
        )


def describe_client(settings: Settings) -> str:
    """How our clients connect, for a log line: never the password."""
    mechanism = settings.kafka_sasl_mechanism
    who = f"SASL {mechanism} as {settings.kafka_sasl_username!r}" if mechanism else "no SASL"
    tls = "TLS" if settings.kafka_tls else "no TLS"
    return f"{settings.kafka_bootstrap} ({who}, {tls})"


class KafkaRefused(RuntimeError):
    """The brokers could not be reached, or did not accept our sign-in: the service stops
    (to be restarted) instead of running without Kafka."""


def kafka_refused(settings: Settings, exc: BaseException) -> KafkaRefused:
    """Log one line that says what was tried and what to check, and the error to raise.

    A refused SCRAM sign-in surfaces from the client as anything from
    ``SaslAuthenticationFailedError`` (Apache Kafka) to a ``KeyError`` in the client's SCRAM
    parser (a broker whose final message carries an error, as the embedded one's does), so
    the line names the settings to check whatever the exception."""
    message = (
        f"cannot connect to Kafka at {describe_client(settings)}: {exc!r}; check"
        " KEFU_KAFKA_BOOTSTRAP, KEFU_KAFKA_SASL_MECHANISM, KEFU_KAFKA_SASL_USERNAME,"
        " KEFU_KAFKA_SASL_PASSWORD and KEFU_KAFKA_TLS"
    )
    log.error(message)
    return KafkaRefused(message)


def kafka_security(settings: Settings) -> BaseSecurity | None:
    """How every client of ours authenticates to Kafka: FastStream's form, for its broker."""
    check_security(settings)
    if not secured(settings):
        return None
    # FastStream only when security is set or a broker consumes: a process that only
    # produces (the gateway) starts without importing it
    from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

    sasl = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}
    tls = settings.kafka_tls
    context = create_ssl_context(cafile=settings.kafka_tls_cafile) if tls else None
    if settings.kafka_sasl_mechanism is None:
        return BaseSecurity(ssl_context=context, use_ssl=True) if tls else None
    assert settings.kafka_sasl_username and settings.kafka_sasl_password is not None
    return sasl[settings.kafka_sasl_mechanism](
        settings.kafka_sasl_username,
        settings.kafka_sasl_password.get_secret_value(),
        ssl_context=context,
        use_ssl=tls,
    )


def client_options(settings: Settings) -> dict[str, Any]:
    """The address and security options of an aiokafka client, the same for all of ours."""
    check_security(settings)
    options: dict[str, Any] = {"bootstrap_servers": settings.kafka_bootstrap}
    if secured(settings):  # without security FastStream's form adds nothing
        from faststream.kafka.security import parse_security

        options.update(parse_security(kafka_security(settings)))
    return options


def make_producer(settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        **client_options(settings),
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=5,
        max_request_size=MAX_MESSAGE_BYTES,
        request_timeout_ms=15000,
    )


def topic_names(topics: Iterable[Topic]) -> list[str]:  # type: ignore[type-arg]
    names: list[str] = []
    for topic in topics:
        names += [topic.name, topic.dlq]
    return names


async def ensure_topics(settings: Settings, names: Iterable[str]) -> list[str]:
    """Create the topics that do not exist yet, with the configured partitions.

    Explicit creation matters: auto-created topics get the broker's default
    partition count, not ours.
    """
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [n for n in dict.fromkeys(names) if n not in existing]
        if wanted:
            configs = {"min.insync.replicas": "2"} if settings.topic_replication >= 3 else {}
            await admin.create_topics(
                [
                    NewTopic(
                        name,
                        num_partitions=settings.topic_partitions,
                        replication_factor=settings.topic_replication,
                        topic_configs=configs,
                    )
                    for name in wanted
                ]
            )
            log.info("created topics", extra={"fields": {"topics": wanted}})
        return wanted
    finally:
        await admin.close()
