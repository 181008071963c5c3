"""The return address picker's divisions: the national list, provinces, then the cities and
districts below, the city level the published list leaves out filled as GB/T 2260 names it."""

from __future__ import annotations

import pytest

from services.refund.aftersales.adapters.regions import national
from services.refund.aftersales.domain.errors import RegionNotFound
from services.refund.aftersales.domain.regions import Region, children, levels_of, tree_of


def test_provinces_then_cities_then_districts_by_code() -> None:
    provinces = children(None, national())
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert len(provinces) == 34  # 23 provinces, 5 autonomous regions, 4 cities, 2 SARs
    assert Region("440000", "广东省", True) in provinces
    assert Region("440300", "深圳市", True) in children("440000", national())
    assert Region("440305", "南山区", False) in children("440300", national())
    assert children("440305", national()) == []  # a district has nothing below


def test_the_whole_country_not_only_where_our_sellers_are() -> None:
    tree = national()
    assert Region("650100", "乌鲁木齐市", True) in children("650000", tree)
    assert Region("330113", "临平区", False) in children("330100", tree)  # since 2021
    districts = [d for _, cities in tree.values() for _, ds in cities.values() for d in ds.values()]
    assert len(districts) > 2800


def test_the_city_level_the_list_leaves_out_is_filled_with_the_standards_names() -> None:
    tree = national()
    assert children("110000", tree) == [Region("110100", "市辖区", True)]
    assert Region("110108", "海淀区", False) in children("110100", tree)
    assert {r.name for r in children("500000", tree)} == {"市辖区", "县"}
    assert Region("429000", "省直辖县级行政区划", True) in children("420000", tree)
    assert Region("429004", "仙桃市", False) in children("429000", tree)
    assert Region("659000", "自治区直辖县级行政区划", True) in children("650000", tree)
    assert Region("441900", "东莞市", False) in children("440000", tree)  # no districts


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(RegionNotFound):
        children("999999", national())


def test_a_list_that_is_not_the_standards_is_refused() -> None:
    with pytest.raises(ValueError, match="not a GB/T 2260"):
        tree_of({"11": "北京市"})
    with pytest.raises(ValueError, match="no province"):
        tree_of({"440300": "深圳市"})


def test_every_division_sits_in_its_parents_code_range() -> None:
    # GB/T 2260: a city shares its province's first two digits, a district its city's four
    for province, (_, cities) in national().items():
        assert province.endswith("0000")
        for city, (_, districts) in cities.items():
            assert city[:2] == province[:2] and city.endswith("00")
            assert all(d[:4] == city[:4] and not below for d, (_, below) in districts.items())


def test_an_address_has_as_many_levels_as_the_list_on_its_path() -> None:
    tree = national()
    assert levels_of(tree, "广东省", "深圳市") == 3
    assert levels_of(tree, "广东省", "东莞市") == 2  # a city with no districts
    assert levels_of(tree, "香港特别行政区", "") == 1
    assert levels_of(tree, "广东省", "不存在市") == 3  # a name the list lacks needs all three
