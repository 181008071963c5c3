"""Issue 18 point 1: a store hands out typed domain objects or read models, never rows.

A function of a store module (``store/*.py`` of a service and of its sub-areas, or a
flat ``store.py``) annotated to return an ``asyncpg.Record`` (alone, optional, in a
list, a page, a tuple) or ``Any`` fails this test: behind either, ``mypy --strict``
sees nothing, and a renamed column would be found only at run time, by whoever reads
``row["col"]``. A module's private helpers (``_name``) may pass rows between them and
row-to-object helpers may take one; what the store hands out never is one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())
"""Every service: a new one is held to it from its first store function."""

CONTAINERS = {"list", "Sequence", "Iterable", "Page", "Optional"}


def store_modules(service: str) -> list[Path]:
    folder = ROOT / "services" / service
    return sorted([*folder.rglob("store/*.py"), *folder.rglob("store.py")])


def untyped(annotation: ast.AST) -> bool:
    """Whether ``annotation`` is a row or Any: a Record anywhere in it (``list[Record]``,
    ``Page[asyncpg.Record] | None``, ``"asyncpg.Record"``), or Any as what is returned,
    one of its alternatives or the items of a list or page. An ``Any`` deeper inside, say
    the arguments of a built SQL statement (``tuple[str, list[Any]]``), is no row."""
    parsed = _parsed(annotation)
    if any(_named(_parsed(node), "Record") for node in ast.walk(parsed)):
        return True
    return _any(parsed)


def _parsed(node: ast.AST) -> ast.AST:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ast.parse(node.value, mode="eval").body
    return node


def _named(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Name):
        return node.id == name
    return isinstance(node, ast.Attribute) and node.attr == name


def _any(node: ast.AST) -> bool:
    node = _parsed(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _any(node.left) or _any(node.right)
    if isinstance(node, ast.Subscript) and any(_named(node.value, c) for c in CONTAINERS):
        return _any(node.slice)
    return _named(node, "Any")


def returning_rows(path: Path) -> list[str]:
    """``path name`` of each public function there annotated to return a row or Any."""
    return [
        f"{path.relative_to(ROOT)} {node.name}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.returns is not None
        and not node.name.startswith("_")
        and untyped(node.returns)
    ]


def offenders(service: str) -> list[str]:
    modules = store_modules(service)
    assert modules, f"services/{service} has no store module"
    return [where for path in modules for where in returning_rows(path)]


@pytest.mark.parametrize("service", SERVICES)
def test_no_store_function_returns_a_row_or_any(service: str) -> None:
    found = offenders(service)
    assert found == [], f"{len(found)} store functions return a row or Any: {found}"


def test_the_check_sees_a_row_in_every_shape() -> None:
    rows = [
        "asyncpg.Record",
        "asyncpg.Record | None",
        "list[asyncpg.Record]",
        "Page[Record]",
        "tuple[int, Record]",
        "Any",
        "Any | None",
        "list[Any]",
        "'asyncpg.Record | None'",
        "list['asyncpg.Record']",
    ]
    assert [s for s in rows if not untyped(ast.parse(s, mode="eval").body)] == []
    typed = [
        "Announcement",
        "list[SmsMessage] | None",
        "Page[RecordedCall]",
        "int",
        "tuple[str, list[Any]]",
    ]
    assert [s for s in typed if untyped(ast.parse(s, mode="eval").body)] == []
