"""Pure pieces of the platform: headers, masking, settings, contracts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.contracts import VOUCHER_ISSUED, VoucherIssued
from shared.masking import mask_card, mask_phone
from shared.messaging import cloudevents
from shared.settings import Settings, database_url_with_name

ISSUED = {
    "merchant_order_no": "M20181230101322001",
    "user_id": "U10001",
    "phone": "13800138000",
    "source": "bubble",
    "points_deducted": 2000,
    "deduction_status": "deducted",
    "exchanged_at": "2018-12-30T10:13:22+08:00",
    "vouchers": [
        {
            "code": "22015118222201812301",
            "face_value": "10.00",
            "valid_from": "2018-12-30",
            "valid_to": "2019-01-29",
        }
    ],
}


def test_headers_round_trip_and_missing_ids_are_refused() -> None:
    headers = cloudevents.make_headers(ce_type="kefu.x.v1", source="/t", traceparent="00-ab-cd-01")
    meta = cloudevents.parse(cloudevents.encode(headers))
    assert meta.id == headers["ce_id"] and meta.type == "kefu.x.v1" and meta.source == "/t"
    assert meta.carrier == {"traceparent": "00-ab-cd-01"}
    with pytest.raises(cloudevents.InvalidHeaders, match="ce_id"):
        cloudevents.parse([("ce_type", b"t"), ("ce_source", b"s")])


def test_phone_and_card_masking() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("12345") == "*****"
    # a landline without its area code: at least half hidden (7 digits once came out whole)
    assert mask_phone("6543210") == "*****10"
    assert mask_phone("87654321") == "****4321"
    assert mask_phone("+8613800138000") == "+86*******8000"
    assert mask_card("6222020200112233") == "************2233"


def test_each_service_gets_its_own_database_on_the_server() -> None:
    url = "postgresql://postgres:@/postgres?host=/tmp/x/pg"
    assert (
        database_url_with_name(url, "kefu_voucher")
        == "postgresql://postgres:@/kefu_voucher?host=/tmp/x/pg"
    )
    s = Settings(database_url="postgresql://u:p@db:5432/app")
    assert s.database_url_for("points") == "postgresql://u:p@db:5432/kefu_points"
    with pytest.raises(RuntimeError, match="KEFU_DATABASE_URL"):
        Settings(database_url=None).database_url_for("points")


def test_issued_contract_accepts_the_documented_example() -> None:
    issued = VoucherIssued.model_validate(ISSUED)
    assert issued.vouchers[0].face_value == Decimal("10.00")
    assert VOUCHER_ISSUED.key_of(issued) == "M20181230101322001"
    # unknown fields are ignored: producers may add optional fields within a version
    assert VoucherIssued.model_validate({**ISSUED, "channel": "app"}) == issued


@pytest.mark.parametrize(
    "change",
    [
        {"source": "cash"},
        {"exchanged_at": "2018-12-30T10:13:22"},  # naive time
        {"vouchers": []},
        {"points_deducted": -1},
        {"vouchers": [{**ISSUED["vouchers"][0], "face_value": "0"}]},  # type: ignore[index]
        {"vouchers": [{**ISSUED["vouchers"][0], "valid_to": "2018-12-01"}]},  # type: ignore[index]
        {"vouchers": [ISSUED["vouchers"][0], ISSUED["vouchers"][0]]},  # type: ignore[index]
    ],
)
def test_issued_contract_refuses_bad_orders(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        VoucherIssued.model_validate({**ISSUED, **change})
