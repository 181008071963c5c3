"""The return address picker's divisions: provinces, then the cities and districts below."""

from __future__ import annotations

import pytest

from services.refund.aftersales.domain.errors import RegionNotFound
from services.refund.aftersales.domain.regions import DIVISIONS, Region, children


def test_provinces_then_cities_then_districts_by_code() -> None:
    provinces = children(None)
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert Region("440000", "广东省", True) in provinces
    assert Region("440300", "深圳市", True) in children("440000")
    assert Region("440305", "南山区", False) in children("440300")
    assert children("440305") == []  # a district has nothing below


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(RegionNotFound):
        children("999999")


def test_every_division_sits_in_its_parents_code_range() -> None:
    # GB/T 2260: a city shares its province's first two digits, a district its city's four
    for province, (_, cities) in DIVISIONS.items():
        assert province.endswith("0000")
        for city, (_, districts) in cities.items():
            assert city[:2] == province[:2] and city.endswith("00") and districts
            assert all(d[:4] == city[:4] and not below for d, (_, below) in districts.items())
