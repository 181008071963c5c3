"""A verification code travels sealed for notify: only notify's key opens it, nothing
altered or moved to another topic opens, and the request on the wire holds no code."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from shared.contracts import NOTIFY_SMS_REQUESTED
from shared.internal_auth import WeakSecret
from shared.sealing import (
    SealedParamsUnreadable,
    code_sms,
    new_key_pair,
    open_sealed,
    private_key,
    public_key,
    seal,
)
from shared.settings import Settings

TOPIC = NOTIFY_SMS_REQUESTED.name


def test_only_the_private_key_opens_a_box() -> None:
    key = X25519PrivateKey.generate()
    box = seal({"code": "482913"}, key.public_key(), topic=TOPIC)
    assert "482913" not in box
    assert open_sealed(box, key, topic=TOPIC) == {"code": "482913"}
    with pytest.raises(SealedParamsUnreadable):
        open_sealed(box, X25519PrivateKey.generate(), topic=TOPIC)


def test_two_boxes_of_one_code_differ() -> None:
    key = X25519PrivateKey.generate().public_key()
    assert seal({"code": "1"}, key, topic=TOPIC) != seal({"code": "1"}, key, topic=TOPIC)


@pytest.mark.parametrize("spoil", ["flip", "cut", "garbage", "other_topic"])
def test_an_altered_or_moved_box_does_not_open(spoil: str) -> None:
    key = X25519PrivateKey.generate()
    box = seal({"code": "482913"}, key.public_key(), topic=TOPIC)
    topic = TOPIC
    if spoil == "flip":
        box = box[:-3] + ("A" if box[-3] != "A" else "B") + box[-2:]
    elif spoil == "cut":
        box = box[:40]
    elif spoil == "garbage":
        box = "not-a-box"
    else:
        topic = "notify.inapp.requested.v1"
    with pytest.raises(SealedParamsUnreadable) as caught:
        open_sealed(box, key, topic=topic)
    assert caught.value.code == "sealed_params_unreadable"


def test_a_code_request_carries_the_code_only_sealed() -> None:
    key = X25519PrivateKey.generate()
    request = code_sms(
        phone="13800138000",
        code="482913",
        minutes=5,
        dedupe_key="verification-code:1",
        requested_by="agent.li",
        to=key.public_key(),
    )
    wire = request.model_dump_json()
    assert "482913" not in wire and request.params == {"minutes": 5}
    assert request.sealed_params is not None
    assert open_sealed(request.sealed_params, key, topic=TOPIC) == {"code": "482913"}


def test_on_one_host_producers_seal_to_the_key_notify_keeps(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, sms_seal_key=None, sms_seal_public_key=None)
    box = seal({"code": "1"}, public_key(settings), topic=TOPIC)
    assert open_sealed(box, private_key(settings), topic=TOPIC) == {"code": "1"}
    assert (tmp_path / "sms_seal_key").stat().st_mode & 0o777 == 0o600


def test_a_pair_from_the_settings_works_together(tmp_path: Path) -> None:
    private, public = new_key_pair()
    notify = Settings(home=tmp_path / "a", sms_seal_key=private)
    producer = Settings(home=tmp_path / "b", sms_seal_public_key=public)
    box = seal({"code": "7"}, public_key(producer), topic=TOPIC)
    assert open_sealed(box, private_key(notify), topic=TOPIC) == {"code": "7"}


def test_services_on_hosts_of_their_own_refuse_to_start_without_the_keys(
    tmp_path: Path,
) -> None:
    settings = Settings(home=tmp_path, upstream_host="{service}", sms_seal_key=None)
    with pytest.raises(WeakSecret, match="KEFU_SMS_SEAL_KEY"):
        private_key(settings)
    with pytest.raises(WeakSecret, match="KEFU_SMS_SEAL_PUBLIC_KEY"):
        public_key(settings.model_copy(update={"sms_seal_public_key": None}))
    with pytest.raises(WeakSecret, match="32 bytes"):
        public_key(settings.model_copy(update={"sms_seal_public_key": "c2hvcnQ"}))


def test_an_empty_key_file_left_by_a_crash_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "sms_seal_key").write_text("")
    settings = Settings(home=tmp_path, sms_seal_key=None, sms_seal_public_key=None)
    key = private_key(settings)
    assert (tmp_path / "sms_seal_key").read_text().strip()
    assert open_sealed(seal({"code": "1"}, key.public_key(), topic=TOPIC), key, topic=TOPIC)


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from shared.devstack.secrets import persisted_secret

    with ThreadPoolExecutor(8) as pool:
        values = set(pool.map(lambda _: persisted_secret(tmp_path / "k", 32), range(32)))
    assert values == {(tmp_path / "k").read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["k"]  # no draft left behind
