"""The migrations build exactly the schema the models describe, and time-ordered ids sort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from salon.db.ids import id_floor, id_time, new_id
from salon.db.migrate import managed_by_alembic
from salon.db.models import Base


def test_migrated_schema_matches_models(template_db: Path) -> None:
    engine = create_engine(f"sqlite:///{template_db}")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": managed_by_alembic})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
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
