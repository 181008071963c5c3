"""The demo sample: valid contracts, deterministic, with every failure path planted."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.contracts import VOUCHER_ISSUED, VoucherIssued
from shared.devstack.demo import build_sample, ce_id_of

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 3, 14)


def test_the_same_seed_and_day_give_the_same_messages_and_ids() -> None:
    a = build_sample(orders=50, seed=7, today=TODAY, tz=TZ)
    b = build_sample(orders=50, seed=7, today=TODAY, tz=TZ)
    c = build_sample(orders=50, seed=8, today=TODAY, tz=TZ)
    assert a.issued == b.issued and a.redeemed == b.redeemed
    assert [ce_id_of(VOUCHER_ISSUED, o) for o in a.issued] == [
        ce_id_of(VOUCHER_ISSUED, o) for o in b.issued
    ]
    assert a.issued != c.issued


def test_a_realistic_sample_that_the_contracts_accept() -> None:
    sample = build_sample(orders=200, seed=2018, today=TODAY, tz=TZ)
    assert len(sample.issued) == 200
    midnight = datetime.combine(TODAY, time(), TZ)
    codes = [v.code for o in sample.issued for v in o.vouchers]
    assert len(codes) == len(set(codes)) == sample.vouchers
    assert len({o.merchant_order_no for o in sample.issued}) == 200
    for o in sample.issued:
        VoucherIssued.model_validate_json(o.model_dump_json())  # survives the wire
        assert re.fullmatch(r"M\d{17}", o.merchant_order_no), o.merchant_order_no
        assert re.fullmatch(r"1[358]\d{9}", o.phone), o.phone
        assert 1 <= len(o.vouchers) <= 5
        assert midnight - timedelta(days=61) < o.exchanged_at < midnight
        assert o.exchanged_at.utcoffset() == timedelta(hours=8)
        for v in o.vouchers:
            assert re.fullmatch(r"\d{20}", v.code)
            assert str(v.face_value) in ("10.00", "20.00", "50.00")
            assert v.valid_to - v.valid_from == timedelta(days=30)
    assert set(Counter(o.source for o in sample.issued)) == {"bubble", "telecom_points", "e_coupon"}
    assert set(Counter(o.deduction_status for o in sample.issued)) == {
        "deducted",
        "pending",
        "failed",
    }
    phones = Counter(o.phone for o in sample.issued)
    assert phones.most_common(1)[0][1] >= 3, "a customer with several orders"
    issued_codes = set(codes)
    assert sample.redeemed and all(r.code in issued_codes for r in sample.redeemed)
    assert all(r.redeemed_at <= midnight for r in sample.redeemed)


def test_every_sandbox_failure_value_is_planted() -> None:
    sample = build_sample(orders=20, seed=1, today=TODAY, tz=TZ)
    codes = [v.code for o in sample.issued for v in o.vouchers]
    assert sum(c.endswith("9999") for c in codes) == 1
    assert sum(c.endswith("9998") for c in codes) == 1
    users = {o.user_id for o in sample.issued}
    assert any(u.startswith("FAILPTS") for u in users)
    assert any(u.startswith("FLAKYPTS") for u in users)
    assert len(sample.highlights) == 7
    assert any("9999" in where for where in sample.highlights.values())


def test_too_small_a_sample_is_refused() -> None:
    with pytest.raises(ValueError):
        build_sample(orders=3, seed=1, today=TODAY, tz=TZ)
