"""Alembic environment: runs migrations over the app's async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from salon.db.migrate import managed_by_alembic
from salon.db.models import Base
from salon.db.session import make_engine
from salon.settings import Settings

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=managed_by_alembic,
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
