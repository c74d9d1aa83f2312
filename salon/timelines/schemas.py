"""Cursor paging shared by every list: time-ordered ids, never OFFSET."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, bindparam
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")
MAX_LIMIT = 40
AnySelect = Select[*tuple[Any, ...]]


@dataclass
class Cursor:
    """Mastodon's paging: max_id pages older; since_id and min_id page newer (min_id gives
    the ones immediately newer, since_id the newest ones)."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20

    def __post_init__(self) -> None:
        self.limit = max(1, min(self.limit, MAX_LIMIT))

    def apply(self, stmt: AnySelect, column: InstrumentedAttribute[Any]) -> AnySelect:
        if self.max_id is not None:
            stmt = stmt.where(column < self.max_id)
        if self.since_id is not None:
            stmt = stmt.where(column > self.since_id)
        if self.min_id is not None:
            stmt = stmt.where(column > self.min_id)
            return stmt.order_by(column.asc()).limit(self.limit)
        return stmt.order_by(column.desc()).limit(self.limit)

    @property
    def ascending(self) -> bool:
        return self.min_id is not None

    # The same paging for statements built once: `bound` applies it with parameters for
    # the values, `shape` says which statement fits, `params` gives the values.
    @property
    def shape(self) -> tuple[bool, bool, bool]:
        return (self.max_id is not None, self.since_id is not None, self.min_id is not None)

    @property
    def params(self) -> dict[str, int]:
        given = {"max_id": self.max_id, "since_id": self.since_id, "min_id": self.min_id}
        return {"limit": self.limit} | {k: v for k, v in given.items() if v is not None}

    @staticmethod
    def bound(stmt: AnySelect, column: ColumnElement[Any] | InstrumentedAttribute[Any],
              shape: tuple[bool, bool, bool]) -> AnySelect:
        has_max, has_since, has_min = shape
        if has_max:
            stmt = stmt.where(column < bindparam("max_id", type_=column.type))
        if has_since:
            stmt = stmt.where(column > bindparam("since_id", type_=column.type))
        limit = bindparam("limit", type_=Integer)
        if has_min:
            stmt = stmt.where(column > bindparam("min_id", type_=column.type))
            return stmt.order_by(column.asc()).limit(limit)
        return stmt.order_by(column.desc()).limit(limit)


@dataclass
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    next_max_id: int | None = None  # pass as max_id for older items
    prev_min_id: int | None = None  # pass as min_id for newer items
    partial: bool = False  # a home timeline being rebuilt: more will come (206 in the API)

    @classmethod
    def of(cls, items: list[T], ids: list[int], cursor: Cursor) -> Page[T]:
        """`ids` are the cursor ids of the rows fetched (newest first), which may be more
        than `items` when some were filtered out after the query."""
        if not ids:
            return cls(items, None, cursor.min_id or cursor.since_id)
        full = len(ids) >= cursor.limit
        return cls(items, ids[-1] if full or cursor.ascending else None, ids[0])
