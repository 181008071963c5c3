"""Secret SMS parameters (a verification code) sealed for the notify service alone.

A service that asks for an SMS holding a secret puts it in ``sealed_params`` of
``notify.sms.requested.v1``, never in ``params``: a sealed box to notify's public key
(X25519 with a fresh key per message, HKDF-SHA256, AES-256-GCM). Anyone who reads the
topic, the producer's outbox row or the DLQ sees ciphertext; a producer holds only the
public key, so it cannot open another producer's codes either. The topic's name is the
associated data, so a box cannot be replayed onto another topic.

Keys: notify holds the private key (``KEFU_SMS_SEAL_KEY``, 32 random bytes in
url-safe base64); producers the public one (``KEFU_SMS_SEAL_PUBLIC_KEY``). Unset, both
come from one private key generated under ``home`` (a development stack on one host).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shared.contracts.notify import NOTIFY_SMS_REQUESTED, SmsRequested
from shared.devstack.secrets import persisted_secret
from shared.errors import InvalidInput
from shared.internal_auth import WeakSecret
from shared.settings import Settings

SEAL_KEY_FILE = "sms_seal_key"
VERSION = b"\x01"
_INFO = b"kefu sms sealed params v1"
_NONCE = 12
_POINT = 32
ParamValue = str | int


class SealedParamsUnreadable(InvalidInput):
    """A box notify cannot open: sealed to another key, altered, or not a box at all."""

    code = "sealed_params_unreadable"


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unset(name: str, settings: Settings) -> None:
    if settings.upstream_host:
        # each host would make its own key and no code would reach its customer: say so
        raise WeakSecret(
            f"{name} is not set, and the services run on hosts of their own"
            " (KEFU_UPSTREAM_HOST): `python -m shared.sealing` makes a pair"
        )


def _key_bytes(name: str, text: str) -> bytes:
    try:
        raw = _b64decode(text.strip())
    except (binascii.Error, ValueError) as exc:
        raise WeakSecret(f"{name} is not url-safe base64") from exc
    if len(raw) != _POINT:
        raise WeakSecret(f"{name} is not {_POINT} bytes")
    return raw


def private_key(settings: Settings) -> X25519PrivateKey:
    """notify's key: from settings, else generated once under ``home``."""
    if settings.sms_seal_key is not None:
        text = settings.sms_seal_key.get_secret_value()
    else:
        _unset("KEFU_SMS_SEAL_KEY", settings)
        text = persisted_secret(settings.home / SEAL_KEY_FILE, 32)
    return X25519PrivateKey.from_private_bytes(_key_bytes("KEFU_SMS_SEAL_KEY", text))


def public_key(settings: Settings) -> X25519PublicKey:
    """The key producers seal with: from settings, else that of the key under ``home``."""
    if settings.sms_seal_public_key is not None:
        raw = _key_bytes("KEFU_SMS_SEAL_PUBLIC_KEY", settings.sms_seal_public_key)
        return X25519PublicKey.from_public_bytes(raw)
    _unset("KEFU_SMS_SEAL_PUBLIC_KEY", settings)
    return private_key(settings).public_key()


def new_key_pair() -> tuple[str, str]:
    """A fresh ``KEFU_SMS_SEAL_KEY`` and its ``KEFU_SMS_SEAL_PUBLIC_KEY``."""
    key = X25519PrivateKey.generate()
    return _b64encode(key.private_bytes_raw()), public_key_text(key)


def public_key_text(key: X25519PrivateKey) -> str:
    """The value of ``KEFU_SMS_SEAL_PUBLIC_KEY`` for a private key."""
    return _b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def _aead_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO)
    return AESGCM(hkdf.derive(shared))


def seal(params: Mapping[str, ParamValue], to: X25519PublicKey, *, topic: str) -> str:
    """``params`` as a box only the holder of ``to``'s private key opens."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    recipient_raw = to.public_bytes(Encoding.Raw, PublicFormat.Raw)
    aead = _aead_key(ephemeral.exchange(to), ephemeral_raw, recipient_raw)
    nonce = os.urandom(_NONCE)
    plain = json.dumps(dict(params), separators=(",", ":"), sort_keys=True).encode()
    box = aead.encrypt(nonce, plain, VERSION + topic.encode())
    return _b64encode(VERSION + ephemeral_raw + nonce + box)


def open_sealed(sealed: str, key: X25519PrivateKey, *, topic: str) -> dict[str, ParamValue]:
    """The parameters in a box; :class:`SealedParamsUnreadable` when it does not open."""
    try:
        raw = _b64decode(sealed)
    except (binascii.Error, ValueError) as exc:
        raise SealedParamsUnreadable("sealed_params is not url-safe base64") from exc
    if len(raw) < 1 + _POINT + _NONCE + 16 or raw[:1] != VERSION:
        raise SealedParamsUnreadable("sealed_params is not a box of this version")
    ephemeral_raw = raw[1 : 1 + _POINT]
    nonce = raw[1 + _POINT : 1 + _POINT + _NONCE]
    recipient_raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        aead = _aead_key(shared, ephemeral_raw, recipient_raw)
        plain = aead.decrypt(nonce, raw[1 + _POINT + _NONCE :], VERSION + topic.encode())
    except (InvalidTag, ValueError) as exc:
        raise SealedParamsUnreadable("sealed_params does not open with notify's key") from exc
    params = json.loads(plain)
    if not isinstance(params, dict) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in params.values()
    ):
        raise SealedParamsUnreadable("sealed_params holds no parameters")
    return params


CODE_TEMPLATE = "verification_code"
"""notify's code template: its ``code`` is secret, its ``minutes`` is not."""


def code_sms(
    *,
    phone: str,
    code: str,
    minutes: int,
    dedupe_key: str,
    requested_by: str,
    to: X25519PublicKey,
) -> SmsRequested:
    """The SMS request for a verification code, the code sealed for notify."""
    return SmsRequested(
        phone=phone,
        template_id=CODE_TEMPLATE,
        params={"minutes": minutes},
        sealed_params=seal({"code": code}, to, topic=NOTIFY_SMS_REQUESTED.name),
        dedupe_key=dedupe_key,
        requested_by=requested_by,
    )


if __name__ == "__main__":  # python -m shared.sealing: a key pair for production
    private, public = new_key_pair()
    print(f"KEFU_SMS_SEAL_KEY={private}\nKEFU_SMS_SEAL_PUBLIC_KEY={public}")
