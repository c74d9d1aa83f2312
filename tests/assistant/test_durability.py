"""The assistant is durable and exact with real `salon worker` processes killed by SIGKILL
(on SQLite, and on PostgreSQL and Redis with SALON_TEST_POSTGRES and SALON_TEST_REDIS):
killed while its text engine thinks and its image engine draws, the next worker takes over
once the dead one's leases run out, and every question ends with exactly one reply, whole,
and its ask answered. A model slower than the job's lease is asked once and answers once.

The engines are the openai ones against local fake servers with a gate (tests/assistant/
gates.py): a held request says exactly where the worker is when it is killed."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.assistant import service, tasks
from salon.assistant.models import FINISHED, Ask, AskState
from salon.db.session import Database
from salon.generation.models import Candidate, Generation, State
from salon.jobs.models import Job
from salon.jobs.worker import Worker
from salon.media.models import MediaAttachment
from salon.posts import service as posts
from salon.posts.models import Mention, Post
from salon.settings import Settings, configure
from tests.assistant.gates import GatedChat, GatedImages, answer_to
from tests.conftest import People
from tests.databases import process_env
from tests.generation.helpers import generate

LEASE_S = 1.0
DEADLINE_S = 180  # a last resort: a busy machine starts a worker slowly


@pytest.fixture
def chat() -> Iterator[GatedChat]:
    with GatedChat() as server:
        yield server
        server.gate.open()


@pytest.fixture
def images() -> Iterator[GatedImages]:
    with GatedImages() as server:
        yield server
        server.gate.open()


def with_engines(settings: Settings, chat: GatedChat, images: GatedImages
                 ) -> tuple[Settings, dict[str, str]]:
    """The assistant thinks with the openai text engine and draws with the openai image
    engine, both on the fakes; jobs are leased for a second. The test's settings, and the
    environment of its workers, which say the same."""
    changes: dict[str, Any] = {
        "assistant_engine": "openai", "assistant_openai_base_url": chat.url,
        "assistant_openai_model": "chat-test-1", "assistant_openai_retries": 0,
        "engines": "sketch,openai", "assistant_image_engine": "openai",
        "openai_base_url": images.url, "openai_model": "image-test-1",
        "openai_sizes": "1:1=96x96", "openai_partial_images": 0,
        "job_lease_seconds": LEASE_S, "worker_poll_seconds": 0.1,
    }
    env = {**process_env(settings),
           **{f"SALON_{key.upper()}": str(value) for key, value in changes.items()}}
    return configure(settings.model_copy(update=changes)), env


@asynccontextmanager
async def salon_worker(env: dict[str, str], log: Path) -> AsyncIterator[
        asyncio.subprocess.Process]:
    """`salon worker` in its own process; stopped at the end of the block if still alive."""
    out = await asyncio.to_thread(open, log, "ab")
    try:
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "salon"), "worker", cwd=log.parent, env=env,
            stdout=out, stderr=out)
    finally:
        out.close()  # the worker has its own copy
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(process.wait(), 10) == -signal.SIGKILL


async def states(db: Database) -> dict[int, str]:
    """Each ask's state, by its question's id."""
    async with db.sessions() as s:
        return {q: st for q, st in (await s.execute(
            select(Ask.question_post_id, Ask.state))).all() if q is not None}


async def until(db: Database, process: asyncio.subprocess.Process,
                done: Callable[[dict[int, str]], bool], log: Path) -> None:
    """Poll until `done(states)` holds, the worker alive meanwhile."""
    deadline = time.monotonic() + DEADLINE_S
    while not done(await states(db)):
        if process.returncode is not None or time.monotonic() > deadline:
            said = await asyncio.to_thread(log.read_text)
            raise AssertionError(f"{await states(db)}, worker {process.returncode}: "
                                 f"{said[-3000:]}")
        await asyncio.sleep(0.05)


async def check_one_whole_answer_each(s: AsyncSession, bot: Account,
                                      questions: dict[int, str]) -> None:
    """Every question: one ask, answered, and exactly one reply by the assistant, whole
    (the asker mentioned, counted), the ask pointing at it; nothing else by the assistant."""
    replies = list(await s.scalars(select(Post).where(Post.account_id == bot.id)))
    assert sorted(p.in_reply_to_id or 0 for p in replies) == sorted(questions)
    for question_id, asked in questions.items():
        ask = await s.scalar(select(Ask).where(Ask.question_post_id == question_id))
        assert ask is not None and ask.state == AskState.answered, (asked, ask and ask.state)
        assert ask.finished_at is not None and ask.engine == "openai"
        reply = next(p for p in replies if p.in_reply_to_id == question_id)
        assert ask.answer_post_id == reply.id
        asker = await s.get(Account, ask.asker_id)
        assert asker is not None and reply.text.startswith(f"@{asker.username} ")
        mentioned = set(await s.scalars(select(Mention.account_id).where(
            Mention.post_id == reply.id)))
        assert mentioned == {asker.id}
    assert (await s.get(Account, bot.id)).posts_count == len(questions)  # type: ignore[union-attr]


async def test_workers_killed_while_thinking_and_drawing_leave_one_answer_each(
    session: AsyncSession, settings: Settings, people: People, worker: Worker,
    chat: GatedChat, images: GatedImages, tmp_path: Path
) -> None:
    mine, env = with_engines(settings, chat, images)
    bot = await service.ensure_account(session, mine)
    assert bot is not None
    alice, bob = await people.make("alice"), await people.make("bob")
    pictures = await generate(session, mine, worker, alice, "a fox in the snow", count=1)
    art = await posts.create_post(session, alice, "my fox", media_ids=[pictures[0].id])
    await session.commit()
    asked = {"what is this?": (bob, art.id), "who made this?": (alice, art.id),
             "draw a lighthouse in a storm": (bob, None)}
    questions: dict[int, str] = {}
    for question, (who, parent) in asked.items():
        posted = await posts.create_post(session, who, f"@muse {question}",
                                         in_reply_to_id=parent)
        questions[posted.id] = question
    await session.commit()
    db, log = Database(mine), tmp_path / "workers.log"
    try:
        # 1. Killed while the text engine thinks about two questions and the image engine
        # draws the third's picture.
        chat.gate.close({"what is this?", "who made this?"})
        images.gate.close()
        async with salon_worker(env, log) as first:
            await asyncio.to_thread(chat.gate.wait_for, set(asked))
            await asyncio.to_thread(images.gate.wait_for, {"a lighthouse in a storm"})
            await until(db, first, lambda found: sorted(found.values()) == [
                AskState.drawing, AskState.thinking, AskState.thinking], log)
            await kill(first)
        chat.gate.open()
        images.gate.open()
        async with db.sessions() as s:
            assert sorted((await states(db)).values()) == [
                AskState.drawing, AskState.thinking, AskState.thinking]
            drawing = await s.scalar(select(Generation).where(
                Generation.prompt == "a lighthouse in a storm"))
            assert drawing is not None and drawing.state == State.running
            assert await s.scalar(select(func.count()).select_from(Post).where(
                Post.account_id == bot.id)) == 0  # nothing posted yet, nothing half-posted

        # 2. The next worker takes the jobs over once the dead one's leases run out: it
        # thinks again, draws the picture again, and posts each answer once.
        await asyncio.sleep(LEASE_S + 0.1)
        async with salon_worker(env, log) as second:
            await until(db, second, lambda found: all(v in FINISHED for v in found.values()),
                        log)
        async with db.sessions() as s:
            await check_one_whole_answer_each(s, bot, questions)
            for question_id, question in questions.items():
                ask = await s.scalar(select(Ask).where(Ask.question_post_id == question_id))
                assert ask is not None
                if question.startswith("draw"):
                    assert ask.answer == "Here it is." and ask.generation_id is not None
                    made = await s.get(Generation, ask.generation_id)
                    assert made is not None and made.state == State.succeeded
                    assert made.on_behalf_of_id == bob.id and made.account_id == bot.id
                    assert await s.scalar(select(func.count()).select_from(Candidate).where(
                        Candidate.generation_id == made.id)) == 1  # drawn twice, kept once
                    attached = list(await s.scalars(select(MediaAttachment).where(
                        MediaAttachment.post_id == ask.answer_post_id)))
                    assert len(attached) == 1 and attached[0].width == 96
                else:
                    assert ask.answer == answer_to(question)
            assert await s.scalar(select(func.count()).select_from(Job).where(
                Job.kind.like("assistant.%"), Job.status != "done")) == 0
        # Each worker asked the model once per question, and drew the picture once.
        assert chat.gate.count("what is this?") == chat.gate.count("who made this?") == 2
        assert images.gate.count("a lighthouse in a storm") == 2
    finally:
        await db.dispose()
        configure(settings)


async def test_an_answer_slower_than_the_job_lease_is_posted_once(
    session: AsyncSession, settings: Settings, people: People, chat: GatedChat,
    images: GatedImages, tmp_path: Path
) -> None:
    """A model that takes longer than the job's lease: the live worker keeps its lease, no
    other lane or worker asks the model again, and one reply is posted."""
    mine, env = with_engines(settings, chat, images)
    bot = await service.ensure_account(session, mine)
    assert bot is not None
    bob = await people.make("bob")
    question = await posts.create_post(session, bob, "@muse what is a lighthouse?")
    await session.commit()
    db, log = Database(mine), tmp_path / "workers.log"
    try:
        chat.gate.close()
        async with salon_worker(env, log) as worker:
            await asyncio.to_thread(chat.gate.wait_for, {"what is a lighthouse?"})
            await asyncio.sleep(3 * LEASE_S)  # the model is slow
            chat.gate.open()
            await until(db, worker, lambda found: found.get(question.id) in FINISHED, log)
            await asyncio.sleep(1.5 * LEASE_S)  # time for a second answer, if any came
        async with db.sessions() as s:
            await check_one_whole_answer_each(s, bot, {question.id: "what is a lighthouse?"})
        assert chat.gate.count("what is a lighthouse?") == 1
    finally:
        await db.dispose()
        configure(settings)


async def test_a_worker_that_lost_its_lease_does_not_answer_a_second_time(
    session: AsyncSession, settings: Settings, people: People, db: Database,
    chat: GatedChat, images: GatedImages
) -> None:
    """Two runs of one answer job at once (a worker paused past its lease, and the one that
    took the job over): the one that commits second rolls back and posts nothing. Run here
    without a worker, so that no lease is kept while the model thinks."""
    mine, _ = with_engines(settings, chat, images)
    bot = await service.ensure_account(session, mine)
    assert bot is not None
    bob = await people.make("bob")
    question = await posts.create_post(session, bob, "@muse what is a kite?")
    await session.commit()
    await tasks.asked(session, {"post_id": question.id})
    await session.commit()
    ask = await session.scalar(select(Ask).where(Ask.question_post_id == question.id))
    assert ask is not None and ask.state == AskState.thinking
    written = [asyncio.Event(), asyncio.Event()]
    commit = asyncio.Event()

    async def run(mine: asyncio.Event) -> None:
        async with db.transaction() as s:
            await tasks.answer(s, {"ask_id": ask.id})
            mine.set()
            await commit.wait()

    chat.gate.close()
    runs = [asyncio.create_task(run(e)) for e in written]
    try:
        await asyncio.to_thread(chat.gate.wait_count, 2)  # both are thinking
        chat.gate.let_through()
        done, _ = await asyncio.wait([asyncio.create_task(e.wait()) for e in written],
                                     timeout=DEADLINE_S, return_when=asyncio.FIRST_COMPLETED)
        assert done, "neither answered"
        # The other reads the ask still thinking (the first has not committed), writes its
        # answer, and waits for the first's lock; then the first commits.
        chat.gate.let_through()
        await asyncio.sleep(1)
        commit.set()
        ended = await asyncio.wait_for(asyncio.gather(*runs, return_exceptions=True),
                                       DEADLINE_S)
    finally:
        chat.gate.open()
        commit.set()
    assert sorted(type(e).__name__ for e in ended) == ["Later", "NoneType"]
    async with db.sessions() as s:
        await check_one_whole_answer_each(s, bot, {question.id: "what is a kite?"})
