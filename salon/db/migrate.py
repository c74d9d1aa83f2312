"""Apply Alembic migrations from code (used by `salon migrate`, `salon serve` and tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from salon.db.session import make_engine
from salon.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def managed_by_alembic(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate skips the tables made by hand: the FTS5 search index and its shadow
    tables, and pgvector's copy of the posts' vectors."""
    return not (type_ == "table" and name is not None
                and name.startswith(("post_search", "post_embeddings")))


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["settings"] = settings
    return config


async def upgrade(settings: Settings, engine: AsyncEngine | None = None) -> None:
    """Bring the database to the newest schema."""
    await _migrate(settings, engine, lambda config: command.upgrade(config, "head"))


async def downgrade(settings: Settings, engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to `revision` (tests of migrations)."""
    await _migrate(settings, engine, lambda config: command.downgrade(config, revision))


async def _migrate(settings: Settings, engine: AsyncEngine | None,
                   step: Callable[[Config], None]) -> None:
    own = engine is None
    engine = engine or make_engine(settings)
    config = alembic_config(settings)

    def run(connection: object) -> None:
        config.attributes["connection"] = connection
        step(config)

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by copying it; with foreign keys on, dropping the old
            # copy would fire every ON DELETE of the tables that point at it. The pragma only
            # works outside a transaction, hence before begin().
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        async with connection.begin():
            await connection.run_sync(run)
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"migration left broken references: {broken[:5]}")
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            await connection.commit()
    if own:
        await engine.dispose()


def upgrade_sync(settings: Settings) -> None:
    asyncio.run(upgrade(settings))
