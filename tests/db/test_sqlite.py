"""SQLite connections run reads on the event loop's thread and writes on their own: a write
waiting for the lock blocks neither the loop nor readers, and reads see committed data."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, text

from salon.db.session import Database, sqlite_path
from salon.settings import Settings


@pytest.fixture
def sqlite_settings(settings: Settings) -> Settings:
    if not settings.is_sqlite:
        pytest.skip("SQLite connections only")
    return settings


def _thread_function(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("thread_id", 0, threading.get_ident)


async def test_reads_run_here_and_writes_on_the_connections_thread(
    sqlite_settings: Settings,
) -> None:
    db = Database(sqlite_settings)
    event.listen(db.engine.sync_engine, "connect", _thread_function)
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE probe (thread INTEGER)"))
            await session.execute(text("INSERT INTO probe VALUES (thread_id())"))
        async with db.sessions() as session:
            read_on = await session.scalar(text("SELECT thread_id()"))
            written_on = await session.scalar(text("SELECT thread FROM probe"))
        assert read_on == threading.get_ident()
        assert written_on != threading.get_ident()
    finally:
        await db.dispose()


async def test_a_write_waiting_for_the_lock_blocks_neither_the_loop_nor_reads(
    sqlite_settings: Settings,
) -> None:
    db = Database(sqlite_settings)
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE notes (body TEXT)"))
            await session.execute(text("INSERT INTO notes VALUES ('first')"))
        holder = sqlite3.connect(sqlite_path(sqlite_settings), check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        release = threading.Timer(0.6, holder.commit)
        release.start()
        started = time.monotonic()

        async def write() -> float:
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO notes VALUES ('second')"))
            return time.monotonic() - started

        async def read() -> tuple[float, list[str]]:
            await asyncio.sleep(0.1)  # the write is waiting by now
            async with db.sessions() as session:
                rows = list(await session.scalars(text("SELECT body FROM notes")))
            return time.monotonic() - started, rows

        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while time.monotonic() - started < 0.5:
                await asyncio.sleep(0.01)
                ticks += 1

        wrote, (read_at, seen), _ = await asyncio.gather(write(), read(), tick())
        release.join()
        holder.close()
        assert wrote >= 0.55  # it waited for the lock...
        assert read_at < 0.4 and seen == ["first"]  # ...while a reader went on
        assert ticks >= 20  # and so did the loop
    finally:
        await db.dispose()


async def test_ending_no_transaction_stays_here_and_a_real_rollback_still_undoes(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import aiosqlite

    hops: list[str] = []
    handed = aiosqlite.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__name__", "?"))
        return await handed(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    db = Database(sqlite_settings)
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE kept (body TEXT)"))
        hops.clear()
        async with db.sessions() as session:  # a read-only request
            await session.scalar(text("SELECT count(*) FROM kept"))
            await session.rollback()
        assert hops == []  # nothing went to the connection's thread
        async with db.sessions() as session:
            await session.execute(text("INSERT INTO kept VALUES ('lost')"))
            await session.rollback()
        assert "rollback" in hops
        async with db.sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM kept")) == 0
    finally:
        await db.dispose()
