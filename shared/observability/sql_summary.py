"""A SQL statement's short name for its span: what it does to which tables.

OpenTelemetry names a database span by the query's summary (``db.query.summary``):
operations and their targets in the order they run, e.g. ``SELECT vouchers``,
``INSERT outbox``. A statement with data-modifying CTEs does several things, so its
summary names each: ``WITH saga AS (UPDATE reversal_sagas ...) INSERT INTO
reversal_saga_history ... VALUES ...`` is ``UPDATE reversal_sagas INSERT
reversal_saga_history``. A target that is a CTE, a function (``json_to_recordset``) or
a subquery is no table and is left out. Literals and comments are skipped first, so a
word inside a string is never taken for a keyword.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SKIPPED = re.compile(
    r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\$(\w*)\$.*?\$\1\$",
    re.DOTALL,
)
_TOKEN = re.compile(r'"(?:[^"]|"")+"(?:\.\w+)?|\w+(?:\.\w+)?|[(),;]')
_MODIFYING = {"INSERT", "UPDATE", "DELETE", "MERGE"}
_TARGET_AFTER = {"INSERT": "INTO", "DELETE": "FROM", "MERGE": "INTO", "SELECT": "FROM"}
_NOT_A_TABLE = {"ONLY", "TABLE", "LATERAL"}


@dataclass(frozen=True)
class Summary:
    name: str
    """The span name: ``SELECT vouchers``; ``postgresql`` when nothing is plain to see."""
    operation: str | None
    """The statement's own operation (after its CTEs)."""
    collection: str | None
    """The table it works on, when there is one and the statement touches no other."""


@dataclass(frozen=True)
class _Part:
    operation: str
    target: str | None


def summarize(query: str) -> Summary:
    tokens = _TOKEN.findall(_SKIPPED.sub(" ", query))
    ctes: set[str] = set()
    parts = _statement(tokens, ctes)
    if not parts:
        return Summary("postgresql", None, None)
    main = parts[-1]
    words = [w for p in parts for w in (p.operation, p.target) if w]
    collection = main.target if len(parts) == 1 else None
    return Summary(" ".join(words), main.operation, collection)


def _closing(tokens: list[str], start: int) -> int:
    """The index of the ``)`` matching the ``(`` at ``start``."""
    depth = 0
    for i in range(start, len(tokens)):
        if tokens[i] == "(":
            depth += 1
        elif tokens[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(tokens)


def _statement(tokens: list[str], ctes: set[str]) -> list[_Part]:
    """The parts of one statement: its data-modifying CTEs' first, then its own."""
    i = 0
    while i < len(tokens) and tokens[i] == "(":  # (SELECT ...) UNION (SELECT ...)
        i += 1
    parts: list[_Part] = []
    if i < len(tokens) and tokens[i].upper() == "WITH":
        i += 1
        if i < len(tokens) and tokens[i].upper() == "RECURSIVE":
            i += 1
        while i < len(tokens):
            ctes.add(tokens[i].strip('"'))
            i += 1
            if i < len(tokens) and tokens[i] == "(":  # a column list
                i = _closing(tokens, i) + 1
            while i < len(tokens) and tokens[i] != "(":  # AS [NOT] MATERIALIZED
                i += 1
            end = _closing(tokens, i)
            body = _statement(tokens[i + 1 : end], ctes)
            parts += [p for p in body if p.operation in _MODIFYING]
            i = end + 1
            if i < len(tokens) and tokens[i] == ",":
                i += 1
                continue
            break
    if i >= len(tokens) or not re.fullmatch(r"[A-Za-z]+", tokens[i]):
        return parts
    operation = tokens[i].upper()
    return [*parts, _Part(operation, _target(operation, tokens[i + 1 :], ctes))]


def _target(operation: str, tokens: list[str], ctes: set[str]) -> str | None:
    """The table ``operation`` works on: the word after its keyword, at the top level."""
    keyword = _TARGET_AFTER.get(operation)
    at = 0
    if keyword is not None:
        depth, at = 0, -1
        for i, token in enumerate(tokens):
            depth += (token == "(") - (token == ")")
            if depth == 0 and token.upper() == keyword:
                at = i + 1
                break
        if at < 0:
            return None
    elif operation not in ("UPDATE", "COPY", "TRUNCATE"):
        return None
    while at < len(tokens) and tokens[at].upper() in _NOT_A_TABLE:
        at += 1
    if at >= len(tokens) or not re.fullmatch(r'[\w."]+', tokens[at]):
        return None
    name = tokens[at].replace('"', "")
    followed_by_call = at + 1 < len(tokens) and tokens[at + 1] == "("
    if name in ctes or (followed_by_call and operation == "SELECT"):
        return None
    return name
