"""Issue 18 point 1: a handler receives one unit of work, never the pool or the outbox apart.

A handler module (``services/*/handlers`` and a sub-area's ``services/*/*/handlers``)
that calls ``pool.acquire`` (``deps.pool.acquire()``, ``pool.acquire()``) or
``enqueue(...)`` itself fails this test: it opens its own connection or writes to the
outbox beside the transaction, where ``deps.unit()`` (a command) and ``deps.within(conn)``
(a subscriber) give it ``uow.conn``, ``uow.publish`` and ``uow.now()`` together
(``shared/unit_of_work.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())


def handler_modules(service: str) -> list[Path]:
    folder = ROOT / "services" / service
    return sorted([*folder.glob("handlers/**/*.py"), *folder.glob("*/handlers/**/*.py")])


def _named(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Name):
        return node.id == name
    return isinstance(node, ast.Attribute) and node.attr == name


def _acquires_from_a_pool(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "acquire" and _named(func.value, "pool")


def direct_calls(source: str) -> list[str]:
    """``line call`` of each ``<pool>.acquire(...)`` and ``enqueue(...)`` in ``source``,
    where ``<pool>`` is a name or attribute called ``pool`` (``pool``, ``deps.pool``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if _acquires_from_a_pool(func):
            found.append(f"{node.lineno} pool.acquire")
        elif _named(func, "enqueue"):
            found.append(f"{node.lineno} enqueue")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_no_handler_acquires_a_connection_or_enqueues_itself(service: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{where}"
        for path in handler_modules(service)
        for where in direct_calls(path.read_text(encoding="utf-8"))
    ]
    assert found == [], f"handlers that bypass the unit of work: {found}"


def test_the_check_sees_each_way_around_the_unit_of_work() -> None:
    bypassing = [
        "async with deps.pool.acquire() as conn: pass",
        "async with pool.acquire() as conn, conn.transaction(): pass",
        "async with self.deps.pool.acquire() as conn: pass",
        "await enqueue(conn, TOPIC, payload, source=deps.source)",
        "await outbox.enqueue(conn, TOPIC, payload, source=SOURCE)",
    ]
    assert [s for s in bypassing if not direct_calls(s)] == []
    through_the_unit = [
        "async with deps.unit() as uow: await uow.publish(TOPIC, payload)",
        "uow = deps.within(conn)",
        "await store.get(uow.conn, code_id)",
        "lock.acquire()",
    ]
    assert [s for s in through_the_unit if direct_calls(s)] == []


def test_every_service_checked_has_handlers() -> None:
    assert [s for s in SERVICES if s != "gateway" and not handler_modules(s)] == []
