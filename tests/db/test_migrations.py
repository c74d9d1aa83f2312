"""The migrations build exactly the schema the models describe, and time-ordered ids sort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from salon.db.ids import id_floor, id_time, new_id
from salon.db.migrate import downgrade, managed_by_alembic, upgrade
from salon.db.models import Base
from salon.db.session import make_engine
from salon.generation.models import Generation
from salon.jobs.models import Job
from salon.jobs.worker import Worker
from salon.media.service import REKEY_JOB
from salon.posts import search
from salon.posts import service as posts
from salon.settings import Settings
from tests.conftest import People
from tests.generation.helpers import generate


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


async def _rekeys(session: AsyncSession) -> int:
    await session.commit()  # a fresh snapshot
    return int(await session.scalar(
        select(func.count()).select_from(Job).where(Job.kind == REKEY_JOB)) or 0)


async def test_an_upgrade_queues_the_move_of_files_at_guessable_keys(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    assert await _rekeys(session) == 0  # a new instance has no files to move
    # Made before going back: the models are those of the newest schema (later migrations
    # may add columns to accounts), and the rows survive the downgrade.
    alice = await people.make("alice")
    alice.avatar_key = f"{alice.id}/avatars/{new_id()}.png"  # as stored before 0012
    await session.commit()
    await _back_and_up(settings, session, "0011")
    assert await _rekeys(session) == 1


async def test_an_upgrade_makes_posts_findable_by_their_prompts(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    alice = await people.make("alice")
    pictures = await generate(session, settings, worker, alice, "a fox in the snow", count=2)
    shown = await posts.create_post(session, alice, "look", media_ids=[pictures[0].id])
    await posts.create_post(session, alice, "guess", media_ids=[pictures[1].id],
                            recipe_hidden=True)
    await session.commit()
    await session.close()
    engine = make_engine(settings)
    await _downgrade(settings, engine, "0021")
    assert await search.posts(session, "fox", None) == []  # entries as 0021 wrote them
    await session.close()
    await upgrade(settings, engine)
    await engine.dispose()
    assert [p.id for p in await search.posts(session, "fox", None)] == [shown.id]


async def test_an_upgrade_marks_earlier_sketch_generations_as_not_from_a_trained_model(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    alice = await people.make("alice")
    fields = dict(account_id=alice.id, prompt="a fox", seed=1, count=1, aspect="1:1",
                  width=1024, height=1024, steps=12, guidance=7.0, trained=True)
    for name in ("sketch", "openai"):  # as every generation was labelled before 0023
        session.add(Generation(engine=name, model=name, **fields))
    await session.commit()
    await _back_and_up(settings, session, "0022")
    rows = dict((await session.execute(select(Generation.engine, Generation.trained))).all())
    assert rows == {"sketch": False, "openai": True}


async def _downgrade(settings: Settings, engine: AsyncEngine, revision: str) -> None:
    await downgrade(settings, engine, revision)


async def _back_and_up(settings: Settings, session: AsyncSession, revision: str) -> None:
    """Down to `revision` and up again, with what the session wrote."""
    await session.close()
    engine = make_engine(settings)
    await _downgrade(settings, engine, revision)
    await upgrade(settings, engine)
    await engine.dispose()
