"""SQLite connections for the async engine: aiosqlite, with reads run on the event loop.

aiosqlite hands every call (cursor, execute, each fetch, close) to the connection's own
thread and waits for the answer: four thread hops per query, which cost more than the
query itself (a home page's reads take microseconds each in SQLite; the hops took several
milliseconds, and under load the loop thread held the GIL while they waited). A read in
WAL mode never waits for a lock, so reads, and the cursor calls around any statement, run
here at once; statements that write (and BEGIN, COMMIT, ROLLBACK, PRAGMA) still go to the
connection's thread, where waiting for the write lock blocks nothing else; a COMMIT or
ROLLBACK with no transaction open is a no-op and runs here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

_CURSOR_CALLS = frozenset({"fetchone", "fetchmany", "fetchall", "close"})
_ENDS = frozenset({"commit", "rollback"})


def _is_read(sql: object) -> bool:
    return isinstance(sql, str) and sql.lstrip()[:6].upper() == "SELECT"


def _runs_here(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    owner, name = getattr(fn, "__self__", None), getattr(fn, "__name__", "")
    if isinstance(owner, sqlite3.Cursor):
        return name in _CURSOR_CALLS or (name == "execute" and bool(args) and _is_read(args[0]))
    if not isinstance(owner, sqlite3.Connection):
        return False
    # Ending a transaction that never began (every read-only request does) is a no-op:
    # no hop to the connection's thread for it.
    return name == "cursor" or (name in _ENDS and not owner.in_transaction)


class ReadsHere(aiosqlite.Connection):
    """An aiosqlite connection that runs reads on the calling (event loop) thread."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._running and self._connection is not None and _runs_here(fn, args):
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)


def connector(path: Path, timeout: float) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """`async_creator` for `create_async_engine`: a new connection to the database file."""

    async def connect() -> aiosqlite.Connection:
        # check_same_thread off: the connection is made in its thread and read from here.
        connection = ReadsHere(partial(sqlite3.connect, str(path), timeout=timeout,
                                       check_same_thread=False), iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does: never hold up exit
        return await connection

    return connect
