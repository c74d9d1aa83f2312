"""PostgreSQL's pooled connections are checked before use only after sitting idle: under
load a request pays no extra round trips, and a connection the server dropped while it
sat unused is replaced before any request sees it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from salon.db import session as db_session
from salon.db.session import Database
from salon.settings import Settings


@pytest.fixture
def pooled(settings: Settings) -> Settings:
    if settings.is_sqlite:
        pytest.skip("PostgreSQL's pool only")
    return settings.model_copy(update={"db_pool_size": 2})


async def _backend(db: Database) -> int:
    async with db.sessions() as session:
        pid: int = await session.scalar(text("SELECT pg_backend_pid()"))
        return pid


async def test_a_busy_connection_is_not_pinged_and_an_idle_dead_one_is_replaced(
    pooled: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = Database(pooled)
    outside = Database(pooled.model_copy(update={"db_pool_size": 0}))
    pings = 0
    try:
        first = await _backend(db)
        async with db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            adapter: Any = type(raw.dbapi_connection)
        real_ping = adapter.ping

        def counted(self: object) -> None:
            nonlocal pings
            pings += 1
            real_ping(self)

        monkeypatch.setattr(adapter, "ping", counted)
        assert await _backend(db) == first and pings == 0  # just used: no ping

        # The server drops the connection while it sits in the pool, long enough to check.
        async with outside.sessions() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(db_session, "PING_AFTER_IDLE", 0.0)
        replaced = await _backend(db)  # no error: the dead one was found and replaced
        assert replaced != first and pings >= 1
    finally:
        await db.dispose()
        await outside.dispose()
