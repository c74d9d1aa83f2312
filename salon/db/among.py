"""`among(column, ids)`: the column's value is one of many ids, bound as one array rather
than one parameter per id.

`column.in_(ids)` with a few hundred ids (a ranking's candidates) is that many placeholders,
which SQLAlchemy renders into the statement on every call; on PostgreSQL each new count is
also a statement text asyncpg has not prepared yet, so a round trip and a plan each time.
Here the statement is the same whatever the ids:
- PostgreSQL: `column = ANY(:ids)`, a bigint array;
- SQLite: `column IN (SELECT value FROM json_each(:ids))`, a JSON array.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, Boolean, String, TypeDecorator, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal


class IdArray(TypeDecorator[list[int]]):
    """A list of ids as one bound value: an array on PostgreSQL, JSON text elsewhere."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(BigInteger()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: list[int] | None, dialect: Dialect) -> Any:
        ids = [int(i) for i in value or ()]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class Among(ColumnElement[bool]):
    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # else SQLite's WHERE would get "= 1" and lose the index
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any, ids: Iterable[int]) -> None:
        self.column = column.__clause_element__() if hasattr(column, "__clause_element__") \
            else column
        self.ids = bindparam(None, list(ids), type_=IdArray())


def among(column: Any, ids: Iterable[int]) -> Among:
    """SQL condition: `column` is one of `ids`."""
    return Among(column, ids)


@compiles(Among)
def _json_each(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"{compiler.process(element.column, **kw)} IN "
            f"(SELECT value FROM json_each({compiler.process(element.ids, **kw)}))")


@compiles(Among, "postgresql")
def _any(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)})"
