"""Every Kafka client of ours authenticates the same way, from the KEFU_KAFKA_* settings."""

from __future__ import annotations

import ssl

import pytest
from pydantic import SecretStr

from shared.messaging.kafka import client_options
from shared.settings import Settings


def test_by_default_clients_speak_plaintext_to_the_bootstrap_servers() -> None:
    options = client_options(Settings(kafka_bootstrap="k1:9092,k2:9092"))
    assert options == {"bootstrap_servers": "k1:9092,k2:9092"}


def test_production_speaks_scram_sha_512_over_tls() -> None:
    settings = Settings(
        kafka_bootstrap="kafka-0:9093",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="kefu-voucher",
        kafka_sasl_password=SecretStr("s3cret"),
        kafka_tls=True,
    )
    options = client_options(settings)
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
