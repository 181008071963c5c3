"""The three-level divisions a return address is picked from (province, city, district).

Seed 002 asks for a return address of three levels (某省某市某区) so returns reach the
seller; the console's picker offers these levels one below the other. Codes are the
national division codes (GB/T 2260). This table holds the provinces, cities and
districts our sellers ship from; a division missing here is added to it (the address
itself is still typed in full, so a seller elsewhere is not stopped).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.refund.aftersales.domain.errors import RegionNotFound

Tree = dict[str, tuple[str, "Tree"]]
"""code -> (name, the divisions below it)."""


def _leaves(*districts: str) -> Tree:
    """Districts written "code name": the last level, nothing below."""
    return {code: (name, {}) for code, name in (d.split(" ", 1) for d in districts)}


DIVISIONS: Tree = {
    "110000": ("北京市", {"110100": ("市辖区", _leaves(
        "110101 东城区", "110102 西城区", "110105 朝阳区", "110106 丰台区", "110108 海淀区",
    ))}),
    "310000": ("上海市", {"310100": ("市辖区", _leaves(
        "310101 黄浦区", "310104 徐汇区", "310105 长宁区", "310106 静安区", "310115 浦东新区",
    ))}),
    "320000": ("江苏省", {
        "320100": ("南京市", _leaves(
            "320102 玄武区", "320104 秦淮区", "320105 建邺区", "320106 鼓楼区",
        )),
        "320500": ("苏州市", _leaves(
            "320505 虎丘区", "320506 吴中区", "320507 相城区", "320508 姑苏区",
        )),
    }),
    "330000": ("浙江省", {
        "330100": ("杭州市", _leaves(
            "330102 上城区", "330105 拱墅区", "330106 西湖区", "330108 滨江区", "330110 余杭区",
        )),
        "330200": ("宁波市", _leaves("330203 海曙区", "330205 江北区", "330212 鄞州区")),
    }),
    "440000": ("广东省", {
        "440100": ("广州市", _leaves(
            "440103 荔湾区", "440104 越秀区", "440105 海珠区", "440106 天河区", "440111 白云区",
        )),
        "440300": ("深圳市", _leaves(
            "440303 罗湖区", "440304 福田区", "440305 南山区", "440306 宝安区", "440307 龙岗区",
        )),
    }),
    "510000": ("四川省", {"510100": ("成都市", _leaves(
        "510104 锦江区", "510105 青羊区", "510106 金牛区", "510107 武侯区", "510108 成华区",
    ))}),
}  # fmt: skip


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    has_children: bool


def _find(tree: Tree, code: str) -> Tree | None:
    for key, (_, below) in tree.items():
        if key == code:
            return below
        found = _find(below, code)
        if found is not None:
            return found
    return None


def children(parent: str | None, tree: Tree = DIVISIONS) -> list[Region]:
    """The provinces (no parent), or the divisions one level below ``parent``, by code."""
    below = tree if parent is None else _find(tree, parent)
    if below is None:
        raise RegionNotFound(f"no division with the code {parent}")
    return [Region(code, name, bool(sub)) for code, (name, sub) in sorted(below.items())]
