"""Every Kafka client of ours authenticates the same way, from the KEFU_KAFKA_* settings."""

from __future__ import annotations

import ssl

import pytest
from pydantic import SecretStr

from shared.messaging.kafka import KafkaSecurityInconsistent, client_options, describe_client
from shared.settings import Settings


def test_by_default_clients_speak_plaintext_to_the_bootstrap_servers() -> None:
    options = client_options(Settings(kafka_bootstrap="k1:9092,k2:9092"))
    assert options == {"bootstrap_servers": "k1:9092,k2:9092"}


PRODUCTION = Settings(
    kafka_bootstrap="kafka-0:9093",
    kafka_sasl_mechanism="SCRAM-SHA-512",
    kafka_sasl_username="kefu-voucher",
    kafka_sasl_password=SecretStr("s3cret"),
    kafka_tls=True,
)


def test_production_speaks_scram_sha_512_over_tls() -> None:
    options = client_options(PRODUCTION)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "kefu-voucher",
        "s3cret",
    )
    assert isinstance(options["ssl_context"], ssl.SSLContext)


def test_tls_alone_is_ssl() -> None:
    options = client_options(Settings(kafka_tls=True))
    assert options["security_protocol"] == "SSL"


def test_a_mechanism_without_credentials_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="KEFU_KAFKA_SASL_USERNAME"):
        client_options(Settings(kafka_sasl_mechanism="SCRAM-SHA-512"))


@pytest.mark.parametrize(
    ("settings", "names"),
    [
        # credentials that would never be sent
        (Settings(kafka_sasl_username="kefu"), "KEFU_KAFKA_SASL_MECHANISM"),
        (Settings(kafka_sasl_password=SecretStr("s3cret")), "KEFU_KAFKA_SASL_MECHANISM"),
        # a mechanism with half its credentials
        (
            Settings(kafka_sasl_mechanism="SCRAM-SHA-256", kafka_sasl_username="kefu"),
            "KEFU_KAFKA_SASL_USERNAME",
        ),
        # PLAIN sends the password itself: never without TLS
        (
            Settings(
                kafka_sasl_mechanism="PLAIN",
                kafka_sasl_username="kefu",
                kafka_sasl_password=SecretStr("s3cret"),
            ),
            "KEFU_KAFKA_TLS=true",
        ),
        # a CA for a connection that has no TLS
        (Settings(kafka_tls_cafile="/etc/kefu/ca.pem"), "KEFU_KAFKA_TLS_CAFILE"),
    ],
)
def test_settings_that_contradict_each_other_are_refused_at_start(
    settings: Settings, names: str
) -> None:
    with pytest.raises(KafkaSecurityInconsistent, match=names) as refused:
        client_options(settings)
    assert "s3cret" not in str(refused.value)


def test_plain_over_tls_and_scram_without_tls_are_accepted() -> None:
    plain = Settings(
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="kefu",
        kafka_sasl_password=SecretStr("s3cret"),
        kafka_tls=True,
    )
    assert client_options(plain)["security_protocol"] == "SASL_SSL"
    scram = plain.model_copy(update={"kafka_sasl_mechanism": "SCRAM-SHA-256", "kafka_tls": False})
    options = client_options(scram)
    assert (options["security_protocol"], options["sasl_mechanism"]) == (
        "SASL_PLAINTEXT",
        "SCRAM-SHA-256",
    )


def test_the_description_for_a_log_line_names_the_user_never_the_password() -> None:
    described = describe_client(PRODUCTION)
    assert described == "kafka-0:9093 (SASL SCRAM-SHA-512 as 'kefu-voucher', TLS)"
    assert "s3cret" not in described
