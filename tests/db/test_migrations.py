"""The migrations build exactly the schema the models describe, and time-ordered ids sort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from salon.db.ids import id_floor, id_time, new_id
from salon.db.migrate import managed_by_alembic
from salon.db.models import Base
from salon.db.session import make_engine
from salon.settings import Settings


async def test_migrated_schema_matches_models(settings: Settings) -> None:
    """On whichever database this run uses (SQLite, or PostgreSQL with SALON_TEST_POSTGRES)."""
    engine = make_engine(settings)

    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"include_name": managed_by_alembic})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        diff = await connection.run_sync(compare)
    await engine.dispose()
    assert diff == []


def test_ids_are_time_ordered_and_unique() -> None:
    ids = [new_id() for _ in range(100_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert ids[-1] < 2**63
    earlier = datetime.now(UTC) - timedelta(days=1)
    assert new_id(earlier) < ids[0]
    assert id_floor(earlier) <= new_id(earlier)
    assert abs((id_time(ids[0]) - datetime.now(UTC)).total_seconds()) < 5
