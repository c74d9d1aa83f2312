"""`salon embed`: posts without a vector of the configured model get one (a new instance, a
changed model, --all), with a progress bar on stderr; on PostgreSQL, pgvector's table is made
once the extension is there and the vectors are copied in. And without pgvector, search by
meaning on PostgreSQL is exact, in memory."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from click.testing import CliRunner
from sqlalchemy import func, select, text, update

from salon.cli import main
from salon.db.session import Database
from salon.meaning import pgvector
from salon.meaning import service as meaning
from salon.meaning.models import PostVector
from salon.posts import service as posts
from salon.settings import Settings
from tests.databases import process_env

TEXTS = ["a lonely android standing under a storm", "a bowl of ripe fruit on a table",
         "watercolor fox sleeping in the snow", "night harbour with lanterns"]
MODEL = "all-MiniLM-L6-v2-onnx-int8@1.0.0"


def _in(settings: Settings, work: Any) -> Any:
    """Run `work(session)` against the test's database and commit (a sync test's setup)."""
    async def run() -> Any:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                return await work(session)
        finally:
            await db.dispose()
    return asyncio.run(run())


def _posts(settings: Settings) -> list[int]:
    """Posts whose embedding jobs never ran: what a backfill finds."""
    async def work(session: Any) -> list[int]:
        from salon.accounts import service as accounts

        ada = await accounts.register(session, "ada", "a-long-password-1")
        return [(await posts.create_post(session, ada, t)).id for t in TEXTS]
    return list(_in(settings, work))


def _vectors(settings: Settings) -> dict[int, tuple[str, int]]:
    async def work(session: Any) -> dict[int, tuple[str, int]]:
        rows = await session.execute(select(PostVector.post_id, PostVector.model,
                                            PostVector.version))
        return {r[0]: (r[1], r[2]) for r in rows}
    return dict(_in(settings, work))


def _embed(settings: Settings, *args: str) -> Any:
    result = CliRunner().invoke(main, ["embed", *args], env=process_env(settings))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_embed_backfills_posts_without_vectors_with_progress(settings: Settings) -> None:
    made = _posts(settings)
    assert _vectors(settings) == {}
    result = _embed(settings)
    assert f"Model: {MODEL}. 4 posts to embed." in result.stdout
    assert "Embedded 4 posts in " in result.stdout and " posts/s." in result.stdout
    # Not a terminal: plain lines, the last one the final state.
    assert result.stderr.splitlines()[-1].startswith("[" + "#" * 30 + "] 4/4 posts 100%")
    assert "posts/s  ETA 0s" in result.stderr
    stored = _vectors(settings)
    assert set(stored) == set(made) and {m for m, _ in stored.values()} == {MODEL}
    # Nothing left: a second run embeds nothing and changes nothing.
    again = _embed(settings)
    assert "0 posts to embed." in again.stdout and "Embedded 0 posts" in again.stdout
    assert _vectors(settings) == stored


def test_a_changed_model_is_embedded_again_and_all_re_embeds_everything(
        settings: Settings) -> None:
    made = _posts(settings)
    _embed(settings)
    first = _vectors(settings)

    async def older(session: Any) -> None:  # as if an earlier model had made two of them
        await session.execute(update(PostVector).where(PostVector.post_id.in_(made[:2]))
                              .values(model="old-model@0"))
    _in(settings, older)
    result = _embed(settings)
    assert "2 posts to embed." in result.stdout
    assert "2 posts have vectors of old-model@0: the model changed" in result.stdout
    second = _vectors(settings)
    assert {m for m, _ in second.values()} == {MODEL}
    assert [second[i][1] > first[i][1] for i in made] == [True, True, False, False]

    result = _embed(settings, "--all")
    assert "4 posts to embed (all of them, --all)." in result.stdout
    third = _vectors(settings)
    assert all(third[i][1] > second[i][1] for i in made)


def test_embeddings_off_or_a_bad_model_is_said(settings: Settings) -> None:
    env = process_env(settings)
    result = CliRunner().invoke(main, ["embed"], env={**env, "SALON_EMBEDDINGS": "off"})
    assert result.exit_code == 1
    assert "SALON_EMBEDDINGS is off" in result.output
    result = CliRunner().invoke(main, ["embed"], env={
        **env, "SALON_EMBEDDINGS": "onnx", "SALON_EMBEDDINGS_FOLDER": str(settings.data_dir)})
    assert result.exit_code == 1
    assert "Fix these settings:" in result.output and "model.onnx is missing" in result.output


def _extension(settings: Settings) -> bool:
    async def work(session: Any) -> bool:
        return bool(await session.scalar(text(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")))
    return bool(_in(settings, work))


def test_pgvector_installed_later_gets_its_table_and_the_vectors(settings: Settings) -> None:
    if settings.is_sqlite:
        result = _embed(settings, "--pgvector")
        assert "pgvector" not in result.output  # SQLite searches in memory
        return
    if not _extension(settings):
        result = _embed(settings)
        assert result.stdout.splitlines()[-1] == (
            "pgvector not installed: search by meaning is exact, in memory; "
            "see docs/meaning.md")
        return

    async def without(session: Any) -> None:  # migrated before pgvector was installed
        await session.execute(text(f"DROP TABLE {pgvector.TABLE}"))
    _in(settings, without)
    made = _posts(settings)

    async def embed_only(session: Any) -> None:  # vectors made while there was no table
        meaning._PGVECTOR[meaning._database(session)] = False
        found = list(await session.scalars(select(posts.Post).where(posts.Post.id.in_(made))))
        await meaning.embed_posts(session, settings, found)
        meaning._PGVECTOR.clear()
    _in(settings, embed_only)

    result = _embed(settings, "--pgvector")
    assert "posts to embed" not in result.stdout  # --pgvector: no embedding
    assert "pgvector: 4 vectors copied into its HNSW index." in result.stdout
    assert result.stdout.splitlines()[-1] == "search by meaning: pgvector's HNSW index"

    async def copied(session: Any) -> list[tuple[int, float]]:
        query = await meaning.embed_query(settings, "sad robot in the rain")
        assert query is not None
        return await pgvector.nearest(session, query, 4)
    hits = _in(settings, copied)
    assert [h for h, _ in hits][0] == made[0] and len(hits) == 4
    again = _embed(settings, "--pgvector")
    assert "pgvector: 0 vectors copied" in again.stdout


async def test_without_pgvector_postgresql_searches_exactly_in_memory(
        settings: Settings, session: Any, people: Any, worker: Any) -> None:
    if settings.is_sqlite:
        return  # SQLite always searches in memory (test_service.py)
    await session.execute(text(f"DROP TABLE IF EXISTS {pgvector.TABLE}"))  # as without it
    await session.commit()
    meaning._PGVECTOR.clear()
    ada = await people.make("ada")
    made = [await posts.create_post(session, ada, t) for t in TEXTS]
    await session.commit()
    await worker.drain()  # the jobs store vectors without pgvector's copy
    assert not await meaning._uses_pgvector(session, pgvector.DIM)
    query = await meaning.embed_query(settings, "sad robot in the rain")
    assert query is not None
    hits = await meaning.nearest(session, settings, query, 4)
    assert [h for h, _ in hits][0] == made[0].id and len(hits) == 4
    # Exact: the scores are the vectors' own cosines (float16 in memory).
    stored = await meaning.vectors(session, settings, [made[0].id])
    assert abs(hits[0][1] - float(np.dot(stored[made[0].id], query))) < 2e-3
    newest = await meaning.above(session, settings, query, -1.0, 2)
    assert [h for h, _ in newest] == [made[3].id, made[2].id]
    assert await session.scalar(select(func.count()).select_from(PostVector)) == 4
