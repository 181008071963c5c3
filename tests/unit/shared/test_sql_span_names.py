"""SQL span names (``db.query.summary``) are right for every statement shape, checked on
every statement the services and the platform run, as written in their code."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.observability.sql_summary import summarize

ROOT = Path(__file__).resolve().parents[3]
_SQL = re.compile(r"^\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES)\s")
_WRITES = re.compile(r"\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+([\w.]+)")
OPERATIONS = {"SELECT", "INSERT", "UPDATE", "DELETE", "VALUES"}


def _tables() -> set[str]:
    found: set[str] = set()
    for sql in [*ROOT.glob("*/**/migrations/*.sql"), ROOT / "shared" / "db" / "migrate.py"]:
        text = sql.read_text(encoding="utf-8")
        found |= set(re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?([\w.]+)", text, re.IGNORECASE))
    return found


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to a string (SQL fragments joined into statements)."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = _text(node.value, names)
            for target in targets:
                if isinstance(target, ast.Name) and value is not None:
                    names[target.id] = value
    return names


def _text(node: ast.AST, names: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left, names), _text(node.right, names)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr):  # an f-string: checked only when every field is known
        parts = [
            v.value if isinstance(v, ast.Constant) else _text(v.value, names)
            for v in node.values
            if isinstance(v, ast.Constant | ast.FormattedValue)
        ]
        return None if None in parts else "".join(str(p) for p in parts)
    return None


def _whole(node: ast.AST, names: dict[str, str]) -> Iterator[str]:
    """The SQL statements under ``node``, each whole (its parts are not statements)."""
    text = _text(node, names)
    if text is not None and _SQL.match(text):
        yield text
        return
    if isinstance(node, ast.JoinedStr):  # an f-string with an unknown field: its pieces are no
        return  # statements of their own
    for child in ast.iter_child_nodes(node):
        yield from _whole(child, names)


def _statements() -> Iterator[tuple[str, str]]:
    """Every whole SQL statement written in services/ and shared/: (where, statement)."""
    for path in sorted([*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for statement in dict.fromkeys(_whole(tree, _constants(tree))):
            yield f"{path.relative_to(ROOT)}", statement


STATEMENTS = list(_statements())
TABLES = _tables()


def test_the_services_statements_are_found() -> None:
    assert len(STATEMENTS) > 200
    assert any(s.lstrip().startswith("WITH") for _, s in STATEMENTS)


@pytest.mark.parametrize("where,statement", STATEMENTS, ids=[w for w, _ in STATEMENTS])
def test_a_statements_span_names_only_operations_and_real_tables_and_every_write(
    where: str, statement: str
) -> None:
    name = summarize(statement).name
    words = name.split()
    assert words[0] in OPERATIONS, (name, statement)
    for word in words:
        assert word in OPERATIONS or word in TABLES or word.startswith("pg_"), (name, statement)
    written = set(_WRITES.findall(statement)) & TABLES
    assert written <= set(words), (name, statement)


def test_each_statement_shape_gets_its_name() -> None:
    history = " INSERT INTO reversal_saga_history (saga_id, event) VALUES ($1, $2)"
    shapes = {
        "WITH saga AS (UPDATE reversal_sagas SET state = $4 WHERE saga_id = $1)" + history: (
            "UPDATE reversal_sagas INSERT reversal_saga_history"
        ),
        "WITH o AS (SELECT * FROM json_to_recordset($1::json) AS o(a text)),"
        " new AS (INSERT INTO orders (a) SELECT a FROM o RETURNING a)"
        " SELECT a FROM new": "INSERT orders SELECT",
        "INSERT INTO inbox (consumer, ce_id) SELECT $1, unnest($2::text[])"
        " ON CONFLICT DO NOTHING RETURNING ce_id": "INSERT inbox",
        "VALUES ($1), ($2)": "VALUES",
        "SELECT * FROM vouchers v JOIN orders o USING (merchant_order_no)": "SELECT vouchers",
        "SELECT pg_notify($1, '')": "SELECT",
        "SELECT 'UPDATE x' AS note -- DELETE FROM y\n FROM outbox": "SELECT outbox",
        "UPDATE trips t SET ended_at = e.ended_at FROM e WHERE t.trip_id = e.trip_id": (
            "UPDATE trips"
        ),
    }
    assert {q: summarize(q).name for q in shapes} == shapes
