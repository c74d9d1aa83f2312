"""Engine and session factory. The caller owns the transaction: services never commit."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool, Pool

from salon.db import sqlite
from salon.settings import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.db_url).database
    if not database or database == ":memory:":
        raise ValueError("Salon keeps its SQLite database in a file: set SALON_DATA_DIR, or "
                         "a SALON_DATABASE_URL of the form sqlite+aiosqlite:///path/salon.db")
    return Path(database)


def make_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            settings.db_url, async_creator=sqlite.connector(sqlite_path(settings), timeout=10))
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    pooling: dict[str, Any] = (
        {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow,
         "pool_timeout": settings.db_pool_timeout}
        if settings.db_pool_size > 0
        else {"poolclass": NullPool}  # behind PgBouncer, or one event loop per client (tests)
    )
    engine = create_async_engine(
        settings.db_url,
        **pooling,
        connect_args={
            "timeout": settings.db_pool_timeout,  # to open a connection
            "command_timeout": settings.db_statement_timeout,
            "server_settings": {
                "statement_timeout": str(int(settings.db_statement_timeout * 1000)),
                "application_name": "salon",
            },
        },
    )
    if settings.db_pool_size > 0:
        _ping_when_idle(engine.sync_engine.pool)
    return engine


PING_AFTER_IDLE = 5.0  # seconds a pooled connection sat unused before it is checked


def _ping_when_idle(pool: Pool) -> None:
    """Check a pooled connection before use only if it sat idle (a restarted server or a
    firewall may have dropped it meanwhile), as Rails does. SQLAlchemy's pre-ping checks
    every checkout: with asyncpg, BEGIN, `;` and ROLLBACK, three round trips on top of a
    home page's six. A connection found dead is replaced before the request sees it; one
    that dies while in use fails its request (503) and the pool starts afresh."""

    @event.listens_for(pool, "checkin")
    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:  # the pool drops it and connects anew
            raise exc.DisconnectionError(str(error)) from error


class Database:
    """The engine and its session factory, held by the app and by workers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def dialect_name(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def insert_or_ignore(session: AsyncSession, model: Any, values: dict[str, Any]) -> None:
    """Insert a row unless a unique key has it already (two requests at once make one),
    in one statement: no savepoint, which SQLite's driver does not keep track of."""
    from sqlalchemy import insert
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    if dialect_name(session) == "postgresql":
        await session.execute(pg_insert(model).values(values).on_conflict_do_nothing())
    else:
        await session.execute(insert(model).values(values).prefix_with("OR IGNORE"))


async def lock_row(session: AsyncSession, table: Any, row_id: int) -> None:
    """Hold `table`'s row `row_id` until the transaction ends, so a check-then-write on
    what hangs off it (a quota) cannot interleave with another's. PostgreSQL locks the row
    (FOR NO KEY UPDATE); SQLite has no row locks, so a no-op write takes its one write lock, and
    reads after it see everything committed before (WAL snapshots start at the first
    statement of a transaction). Write nothing in a side transaction after this on SQLite:
    it would wait for this very lock."""
    if dialect_name(session) == "postgresql":
        # NO KEY UPDATE: rows others insert that refer to this one (FOR KEY SHARE) go on.
        await session.execute(select(table.c.id).where(table.c.id == row_id)
                              .with_for_update(key_share=True))
    else:
        await session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))


@asynccontextmanager
async def side_transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A unit of work of its own on the same database, committed when the block ends
    whatever becomes of `session`'s: for records that must outlive a refused request, and
    for progress that others should see while a long job runs."""
    async with AsyncSession(session.bind, expire_on_commit=False) as side, side.begin():
        yield side
