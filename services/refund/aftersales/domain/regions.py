"""The three-level divisions a return address is picked from (province, city, district).

Seed 002 asks for a return address of three levels (某省某市某区) so returns reach the
seller; the console's picker offers these levels one below the other. The divisions are
the national list, GB/T 2260 codes and names as the Ministry of Civil Affairs publishes
them, read from a maintained data package (``adapters/regions.py``); this module builds
the tree the picker walks. The published list leaves out the city level where a
province-level city or a province governs districts and counties itself: the standard's
own names fill it (市辖区, 县, 省直辖县级行政区划), so every district sits at the third
level. A city with no districts (东莞市, 中山市) and Hong Kong, Macao and Taiwan end where
the list ends: an address there has as many levels as the list (``levels_of``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.refund.aftersales.domain.errors import RegionNotFound

Tree = dict[str, tuple[str, "Tree"]]
"""code -> (name, the divisions below it)."""


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    has_children: bool


def _missing_city_level(province_name: str, city_code: str) -> str:
    """GB/T 2260's name of a city level the published list leaves out."""
    if city_code[2:4] == "90":  # county-level cities a province governs itself (仙桃市)
        governs = "自治区" if province_name.endswith("自治区") else "省"
        return f"{governs}直辖县级行政区划"
    return "县" if city_code[2:4] == "02" else "市辖区"  # a province-level city's (重庆市's 县)


def tree_of(divisions: Mapping[str, str]) -> Tree:
    """The tree of a flat list of six-digit codes and names: a province ``XX0000``, its
    cities ``XXYY00``, their districts ``XXYYZZ``."""
    tree: Tree = {}
    for code in sorted(divisions):
        if len(code) != 6 or not code.isdigit():
            raise ValueError(f"not a GB/T 2260 division code: {code!r}")
        name, province, city = divisions[code], f"{code[:2]}0000", f"{code[:4]}00"
        if code == province:
            tree[code] = (name, {})
            continue
        if province not in tree:
            raise ValueError(f"division {code} {name} has no province {province}")
        province_name, cities = tree[province]
        if code == city:
            cities[code] = (name, {})
        else:
            if city not in cities:
                cities[city] = (_missing_city_level(province_name, city), {})
            cities[city][1][code] = (name, {})
    return tree


def _find(tree: Tree, code: str) -> Tree | None:
    for key, (_, below) in tree.items():
        if key == code:
            return below
        found = _find(below, code)
        if found is not None:
            return found
    return None


def children(parent: str | None, tree: Tree) -> list[Region]:
    """The provinces (no parent), or the divisions one level below ``parent``, by code."""
    below = tree if parent is None else _find(tree, parent)
    if below is None:
        raise RegionNotFound(f"no division with the code {parent}")
    return [Region(code, name, bool(sub)) for code, (name, sub) in sorted(below.items())]


def levels_of(tree: Tree, province: str, city: str) -> int:
    """How many levels an address under ``province`` and ``city`` (names) has in the list:
    1 where the province has no cities (Hong Kong), 2 where the city has no districts
    (东莞市), else 3; 3 also for names the list does not hold, so those need all three."""
    for province_name, cities in tree.values():
        if province_name != province:
            continue
        if not cities:
            return 1
        for city_name, districts in cities.values():
            if city_name == city:
                return 3 if districts else 2
    return 3
