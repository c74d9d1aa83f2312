"""Where each test's database lives.

By default a copy of a migrated SQLite file (the embedded default). With
SALON_TEST_POSTGRES=postgresql://user@host:port every test gets its own PostgreSQL database,
cloned in milliseconds from a template migrated once per run (CREATE DATABASE … TEMPLATE),
and dropped afterwards: the same tests, on the scale-out database.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from pathlib import Path
from typing import Any

from salon.db.migrate import upgrade
from salon.settings import Settings

POSTGRES = os.environ.get("SALON_TEST_POSTGRES", "").rstrip("/")
# With SALON_TEST_REDIS=redis://host:port/db each test also gets Redis (timelines, live
# events) under a key prefix of its own, removed afterwards.
REDIS = os.environ.get("SALON_TEST_REDIS", "")


async def _admin(*statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _forget_keys(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def _run(coro: Any) -> None:
    """Run admin statements from sync fixtures, inside or outside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    import threading

    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


class Databases:
    """Hands out fresh, migrated databases to tests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._names = itertools.count()
        self._prefix = f"salon_test_{os.getpid()}"
        self.template = f"{self._prefix}_template"
        self.sqlite_template = root / "salon.db"

    @property
    def postgres(self) -> bool:
        return bool(POSTGRES)

    def prepare(self) -> None:
        if self.postgres:
            _run(_admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
                        f'CREATE DATABASE "{self.template}"'))
            settings = Settings(env="test", data_dir=self.root,
                                database_url=f"{POSTGRES}/{self.template}")
        else:
            settings = Settings(env="test", data_dir=self.root)
        asyncio.run(upgrade(settings))

    def fresh(self, data_dir: Path) -> dict[str, Any]:
        """A new database for a test whose files live in `data_dir`: the settings to use."""
        data_dir.mkdir(parents=True, exist_ok=True)
        name = f"{self._prefix}_{next(self._names)}"
        found: dict[str, Any] = {}
        if REDIS:
            found.update(redis_url=REDIS, redis_prefix=f"{name}:")
        if not self.postgres:
            shutil.copy(self.sqlite_template, data_dir / "salon.db")
            return found
        _run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        # No pool: the TestClients of one Site each run their own event loop, and an asyncpg
        # connection belongs to the loop that opened it.
        return {**found, "database_url": f"{POSTGRES}/{name}", "db_pool_size": 0}

    def drop(self, overrides: dict[str, Any]) -> None:
        url = overrides.get("database_url")
        if url:
            name = url.rsplit("/", 1)[1]
            _run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if overrides.get("redis_url"):
            _run(_forget_keys(overrides["redis_url"], overrides["redis_prefix"]))

    def close(self) -> None:
        if self.postgres:
            _run(_admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))


def process_env(settings: Settings) -> dict[str, str]:
    """Environment for a `salon` subprocess that should use this test's database."""
    env = {**os.environ, "SALON_ENV": "test", "SALON_DATA_DIR": str(settings.data_dir),
           "SALON_SECRET_KEY": "test-secret"}
    if settings.database_url:
        env["SALON_DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["SALON_REDIS_URL"] = settings.redis_url
        env["SALON_REDIS_PREFIX"] = settings.redis_prefix
    return env
