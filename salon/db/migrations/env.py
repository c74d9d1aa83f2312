"""Alembic environment: runs migrations over the app's async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from salon.db.models import Base
from salon.db.session import make_engine
from salon.settings import Settings

config = context.config
target_metadata = Base.metadata


def _ours(name: str | None, type_: str, parent_names: object) -> bool:
    # The FTS5 search index and its shadow tables are made by hand in a migration.
    return not (type_ == "table" and name is not None and name.startswith("post_search"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    settings = config.attributes.get("settings") or Settings()
    engine = make_engine(settings)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_main())
