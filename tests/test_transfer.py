"""`salon transfer`: an embedded instance (SQLite and a media folder) moves to PostgreSQL
and another store with every row and file, checked by counts, checksums and hashes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from salon.accounts import service as accounts
from salon.cli import main
from salon.db.migrate import upgrade
from salon.db.session import Database
from salon.generation import service as generation
from salon.generation.schemas import GenerationSpec
from salon.jobs.worker import Worker
from salon.media.store import LocalMediaStore
from salon.posts import interactions, search
from salon.posts import service as posts
from salon.posts.models import Post
from salon.settings import Settings
from tests.conftest import People, settings_for
from tests.databases import POSTGRES, Databases

pytestmark = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL: runs in the "
                                                     "PostgreSQL pass of scripts/test")


async def _seed(source: Settings) -> None:
    await upgrade(source)
    db = Database(source)
    async with db.sessions() as session:
        people = People(session)
        alice, bob = await people.make("alice"), await people.make("bob")
        first = await posts.create_post(session, alice, "a café at night #cafe")
        await posts.create_post(session, bob, "a reply", in_reply_to_id=first.id)
        await interactions.like(session, bob, first.id)
        made = await generation.request(session, source, alice,
                                        GenerationSpec("a kite", count=1))
        await session.commit()
    await Worker(db).drain()
    async with db.sessions() as session:
        picture = (await generation.candidates(session, [made.id]))[made.id][0].media
        assert picture is not None
        author = await accounts.get_by_username(session, "alice")
        await posts.create_post(session, author, "flying",
                                media_ids=[picture.id])  # found by its prompt, "a kite"
        await session.commit()
    await db.dispose()


async def _read(moved: Settings) -> tuple[int, list[str]]:
    db = Database(moved)
    async with db.sessions() as session:
        count = int(await session.scalar(select(func.count()).select_from(Post)) or 0)
        found = await search.posts(session, "caf", None)  # the search index came along
        found += await search.posts(session, "kite", None)  # with pictures' prompts
    await db.dispose()
    return count, [p.text for p in found]


def test_an_embedded_instance_moves_to_postgresql_without_loss(
    tmp_path: Path, databases: Databases,
) -> None:
    source = settings_for(tmp_path / "embedded", {})
    asyncio.run(_seed(source))
    target_db = databases.fresh(tmp_path / "target")
    result = CliRunner().invoke(main, [
        "transfer", "--from", f"sqlite:///{source.data_dir / 'salon.db'}",
        "--to", str(target_db["database_url"])],
        env={"SALON_DATA_DIR": str(tmp_path / "target"), "SALON_ENV": "test",
             "SALON_DATABASE_URL": None, "SALON_MEDIA_URL": None,
             "SALON_MEDIA_DIR": None})
    assert result.exit_code == 0, result.output
    assert "counts and checksums match" in result.output
    assert "media" in result.output

    moved = Settings(env="test", data_dir=tmp_path / "target", **target_db)
    assert asyncio.run(_read(moved)) == (3, ["a café at night #cafe", "flying"])
    copied = LocalMediaStore(tmp_path / "target" / "media")
    originals = sorted(p.relative_to(source.media_dir) for p in source.media_dir.rglob("*.*"))
    assert originals and all((copied.root / p).read_bytes() == (source.media_dir / p).read_bytes()
                             for p in originals)

    # Into a database that has data: refused, nothing written.
    again = CliRunner().invoke(main, [
        "transfer", "--from", f"sqlite:///{source.data_dir / 'salon.db'}",
        "--to", str(target_db["database_url"])],
        env={"SALON_DATA_DIR": str(tmp_path / "target"), "SALON_ENV": "test"})
    assert again.exit_code == 1 and "already has data" in again.output
    databases.drop(target_db)
