"""Generations worked by the job workers: stored, signed candidates; failures with a reason;
cancellation; expiry of what was not posted; and a worker killed mid-generation."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import utcnow
from salon.db.session import Database
from salon.generation import credentials, engines, provenance
from salon.generation import service as generation
from salon.generation.engines.base import EngineError, EngineRequest, Output, Progress
from salon.generation.engines.sketch import ENGINE
from salon.generation.models import Candidate, Generation, State
from salon.generation.schemas import GenerationSpec
from salon.jobs import service as jobs
from salon.jobs.worker import Worker
from salon.media.models import MediaAttachment
from salon.media.store import media_store
from salon.posts import service as posts
from salon.settings import Settings, configure
from tests.conftest import People, stored
from tests.databases import process_env


async def _candidates(session: AsyncSession, generation_id: int
                      ) -> list[tuple[Candidate, MediaAttachment | None]]:
    views = (await generation.candidates(session, [generation_id]))[generation_id]
    return [(v.candidate, v.media) for v in views]


async def test_a_generation_stores_signed_candidates_with_their_recipe(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice = await people.make("alice")
    made = await generation.request(session, settings, alice, GenerationSpec(
        "a blue sea at night with stars", count=3, aspect="3:2", seed=7))
    await session.commit()
    await worker.drain()
    await session.refresh(made)
    assert (made.state, made.progress, made.error) == (State.succeeded, 1.0, None)
    store = media_store(settings)
    rows = await _candidates(session, made.id)
    assert [c.seed for c, _ in rows] == [7, 8, 9]
    for candidate, item in rows:
        assert item is not None and (item.width, item.height) == (1152, 768)
        assert item.account_id == alice.id and item.post_id is None and item.blurhash
        data = await store.get(item.file_key)
        recipe = provenance.read_recipe(data)
        assert recipe is not None and recipe["prompt"] == made.prompt
        assert recipe["seed"] == candidate.seed and recipe["model"] == ENGINE.model
        assert candidate.plain_key is not None
        plain = await store.get(candidate.plain_key)
        assert provenance.read_recipe(plain) is None and b"blue sea" not in plain
        for copy in (data, plain):
            found = credentials.read(copy, "image/png", settings)
            assert found.valid, found.errors
            # Sketch is a program, not a trained model.
            assert found.digital_source_type == credentials.ALGORITHMIC_MEDIA
            assert found.software_agent is not None and "sketch" in found.software_agent
    # Same recipe, same pixels: the engine is deterministic.
    again = ENGINE.generate(EngineRequest(made.prompt, width=1152, height=768, seed=8,
                                          steps=made.steps, guidance=made.guidance),
                            lambda _f, previews=None: None).images[0]
    stored = Image.open(BytesIO(await store.get(rows[1][1].file_key)))  # type: ignore[union-attr]
    assert stored.convert("RGB").tobytes() == again.tobytes()


class Broken:
    """An engine whose model refuses: the failure must reach the person as a reason."""

    name, model, label = "sketch", "salon-sketch-1", "broken"
    capabilities = ENGINE.capabilities

    def generate(self, request: EngineRequest, progress: Progress) -> Output:
        progress(0.3)
        raise EngineError("The model refused this prompt.")


async def test_a_failed_engine_call_leaves_a_reason_and_can_be_retried(
    session: AsyncSession, settings: Settings, people: People, worker: Worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = await people.make("alice")
    made = await generation.request(session, settings, alice, GenerationSpec("a cat"))
    await session.commit()
    monkeypatch.setitem(engines.KNOWN, "sketch", lambda _settings: Broken())
    await worker.drain()
    await session.refresh(made)
    assert (made.state, made.error) == (State.failed, "The model refused this prompt.")
    assert await _candidates(session, made.id) == []
    monkeypatch.undo()
    await generation.retry(session, settings, alice, made.id)
    await session.commit()
    await worker.drain()
    await session.refresh(made)
    assert made.state == State.succeeded and len(await _candidates(session, made.id)) == 4


async def test_a_cancelled_generation_stores_nothing(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice = await people.make("alice")
    made = await generation.request(session, settings, alice, GenerationSpec("a dog"))
    await session.commit()
    await generation.cancel(session, alice, made.id)
    await session.commit()
    await worker.drain()
    await session.refresh(made)
    assert made.state == State.cancelled and await _candidates(session, made.id) == []


async def test_unposted_candidates_expire_with_their_files(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    alice = await people.make("alice")
    kept = await generation.request(session, settings, alice, GenerationSpec("kept", count=2))
    dropped = await generation.request(session, settings, alice, GenerationSpec("dropped",
                                                                               count=1))
    await session.commit()
    await worker.drain()
    rows = await _candidates(session, kept.id)
    first = rows[0][1]
    assert first is not None
    post = await posts.create_post(session, alice, "mine", media_ids=[first.id])
    await session.commit()
    dropped_rows = await _candidates(session, dropped.id)
    store = media_store(settings)
    keys = [k for c, m in rows[1:] + dropped_rows if m
            for k in (c.recipe_key, c.plain_key, m.thumb_key) if k]
    assert keys and all([await stored(store, k) for k in keys])
    old = utcnow() - timedelta(hours=settings.generation_keep_hours + 1)
    await session.execute(update(Generation).values(created_at=old))
    await session.commit()

    jobs.enqueue(session, "generation.expire", {"once": True})
    await session.commit()
    await worker.drain()
    assert not any([await stored(store, k) for k in keys])
    kept_id, dropped_id, post_id = kept.id, dropped.id, post.id
    session.expire_all()
    assert await session.scalar(select(Generation.id).where(Generation.id == dropped_id)) is None
    rows = await _candidates(session, kept_id)
    assert rows[0][0].post_id == post_id and rows[0][1] is not None  # the posted one stays
    assert rows[1][1] is None  # the other is gone, its preference record kept
    assert await stored(store, rows[0][1].file_key)


async def _state(db: Database, generation_id: int) -> str:
    async with db.sessions() as s:
        return str(await s.scalar(select(Generation.state)
                                  .where(Generation.id == generation_id)))


async def test_a_worker_killed_mid_generation_loses_nothing(
    session: AsyncSession, settings: Settings, people: People, tmp_path: Path
) -> None:
    alice = await people.make("alice")
    made = await generation.request(session, settings, alice, GenerationSpec(
        "a forest at dawn, oil painting", count=4, aspect="9:16", seed=11))
    await session.commit()
    short = configure(settings.model_copy(update={"job_lease_seconds": 1.0}))
    db = Database(short)
    env = {**process_env(settings), "SALON_JOB_LEASE_SECONDS": "1",
           "SALON_WORKER_POLL_SECONDS": "0.1"}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "salon"), "worker", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180  # a last resort: a busy machine starts it slowly
        while await _state(db, made.id) != State.running:
            assert process.returncode is None and time.monotonic() < deadline
            await asyncio.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)
        assert await _state(db, made.id) == State.running, "killed mid-generation"
        await asyncio.sleep(1.1)  # the dead worker's lease runs out
        await Worker(db, name="survivor").drain()
        assert await _state(db, made.id) == State.succeeded
        async with db.sessions() as s:
            rows = await _candidates(s, made.id)
        assert [c.position for c, _ in rows] == [0, 1, 2, 3]  # each once
        assert all(m is not None and (m.width, m.height) == (720, 1280) for _, m in rows)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await db.dispose()
        configure(settings)
