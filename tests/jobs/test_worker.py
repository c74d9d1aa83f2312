"""Durable jobs: claim with a lease, retry with backoff, and survive a killed worker."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.db.ids import utcnow
from salon.db.session import Database
from salon.graph import service as graph
from salon.jobs import service as jobs
from salon.jobs.models import Job
from salon.jobs.worker import HANDLERS, RECURRING, Worker
from salon.posts import service as posts
from salon.settings import Settings, configure
from salon.timelines import service as timelines
from salon.timelines.schemas import Cursor
from salon.timelines.store import timeline_store
from tests.conftest import People
from tests.databases import process_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A `test.record` handler that records payloads, and a `test.boom` one that fails."""
    seen: list[dict[str, Any]] = []

    async def record(session: AsyncSession, payload: dict[str, Any]) -> None:
        seen.append(payload)

    async def boom(session: AsyncSession, payload: dict[str, Any]) -> None:
        seen.append(payload)
        raise RuntimeError("handler exploded")

    monkeypatch.setitem(HANDLERS, "test.record", record)
    monkeypatch.setitem(HANDLERS, "test.boom", boom)
    return seen


async def job_row(session: AsyncSession, job_id: int) -> Job:
    await session.commit()
    session.expunge_all()
    job = await session.get(Job, job_id)
    assert job is not None
    return job


async def test_enqueue_claim_finish(session: AsyncSession) -> None:
    later = jobs.enqueue(session, "test.later", run_at=utcnow() + timedelta(hours=1))
    first = jobs.enqueue(session, "test.first", {"n": 1})
    await session.commit()
    assert first.status == "queued" and first.attempts == 0
    assert await jobs.pending_count(session) == 2

    claimed = await jobs.claim(session, "w1", timedelta(seconds=60))
    assert claimed is not None
    assert (claimed.id, claimed.kind, claimed.payload, claimed.attempts) == (
        first.id,
        "test.first",
        {"n": 1},
        1,
    )
    assert await jobs.claim(session, "w2", timedelta(seconds=60)) is None  # later is not due
    row = await job_row(session, first.id)
    assert row.status == "running" and row.worker == "w1" and row.lease_until is not None

    await jobs.finish(session, first.id)
    row = await job_row(session, first.id)
    assert row.status == "done" and row.finished_at is not None and row.lease_until is None
    assert await jobs.pending_count(session) == 1
    assert (await job_row(session, later.id)).status == "queued"


async def test_claim_takes_the_oldest_due_job_first(session: AsyncSession) -> None:
    now = utcnow()
    b = jobs.enqueue(session, "test.b", run_at=now - timedelta(seconds=5))
    a = jobs.enqueue(session, "test.a", run_at=now - timedelta(seconds=10))
    await session.commit()
    first = await jobs.claim(session, "w", timedelta(seconds=60))
    second = await jobs.claim(session, "w", timedelta(seconds=60))
    assert [first and first.id, second and second.id] == [a.id, b.id]


async def test_worker_runs_handlers(
    session: AsyncSession, worker: Worker, calls: list[dict[str, Any]]
) -> None:
    for n in range(3):
        jobs.enqueue(session, "test.record", {"n": n})
    await session.commit()
    assert await worker.drain() == 3
    assert calls == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert not await worker.run_once()
    statuses = await session.scalars(select(Job.status))
    assert set(statuses) == {"done"}


async def test_failing_handler_retries_with_backoff_then_gives_up(
    session: AsyncSession, worker: Worker, calls: list[dict[str, Any]]
) -> None:
    job = jobs.enqueue(session, "test.boom", {"x": 1}, max_attempts=3)
    await session.commit()
    previous_run_at = None
    for attempt in (1, 2):
        before = utcnow()
        assert await worker.run_once()
        row = await job_row(session, job.id)
        assert row.status == "queued" and row.attempts == attempt
        assert row.last_error is not None and "handler exploded" in row.last_error
        assert row.lease_until is None and row.finished_at is None
        # Backoff grows: about 5 s * 2^attempts, give or take 20%.
        delay = (row.run_at - before).total_seconds()
        assert 5 * 2**attempt * 0.8 - 1 <= delay <= 5 * 2**attempt * 1.2 + 1
        if previous_run_at is not None:
            assert row.run_at > previous_run_at
        previous_run_at = row.run_at
        assert not await worker.run_once()  # not due yet
        await session.execute(
            update(Job).where(Job.id == job.id).values(run_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    assert await worker.run_once()
    row = await job_row(session, job.id)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.finished_at is not None
    assert not await worker.run_once()  # failed jobs stay failed
    assert len(calls) == 3
    assert await jobs.pending_count(session) == 0


async def test_a_handler_that_cannot_start_yet_goes_back_in_the_queue_for_free(
    session: AsyncSession, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries: list[int] = []

    async def busy(session: AsyncSession, payload: dict[str, Any]) -> None:
        session.add(Job(kind="test.never", payload={}, run_at=utcnow(), max_attempts=1))
        tries.append(1)
        if len(tries) < 3:
            raise jobs.Later(30.0, "the engine is busy")

    monkeypatch.setitem(HANDLERS, "test.busy", busy)
    job = jobs.enqueue(session, "test.busy", max_attempts=1)
    await session.commit()
    for _ in range(2):
        before = utcnow()
        assert await worker.run_once()
        row = await job_row(session, job.id)
        # Requeued without using up its one attempt, nothing it wrote kept, and not due yet.
        assert (row.status, row.attempts, row.last_error) == ("queued", 0, None)
        assert 29 <= (row.run_at - before).total_seconds() <= 31
        assert not await worker.run_once()
        await session.execute(
            update(Job).where(Job.id == job.id).values(run_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    assert await worker.run_once()
    assert ((await job_row(session, job.id)).status, len(tries)) == ("done", 3)
    kept = await session.scalar(select(func.count()).select_from(Job)
                                .where(Job.kind == "test.never"))
    assert kept == 1  # what the requeued tries wrote was rolled back


async def test_unknown_kind_fails_instead_of_crashing(
    session: AsyncSession, worker: Worker
) -> None:
    job = jobs.enqueue(session, "test.nobody-handles-this", max_attempts=1)
    await session.commit()
    assert await worker.run_once()
    row = await job_row(session, job.id)
    assert row.status == "failed" and "no handler" in (row.last_error or "")


async def test_handler_work_rolls_back_on_failure(
    people: People, session: AsyncSession, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await people.make("alice")

    async def half_done(s: AsyncSession, payload: dict[str, Any]) -> None:
        await accounts.update_profile(s, await accounts.get(s, alice.id), bio="changed")
        await s.flush()
        raise RuntimeError("after writing")

    monkeypatch.setitem(HANDLERS, "test.half", half_done)
    jobs.enqueue(session, "test.half")
    await session.commit()
    await worker.run_once()
    await session.refresh(alice)
    assert alice.bio == ""


async def test_a_job_in_hand_when_the_database_goes_runs_when_it_is_back(
    session: AsyncSession, worker: Worker, calls: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away while a job runs: neither it nor its failure can be written.
    The worker keeps the job (its lease) and runs it first once the database is back,
    rather than leaving it to wait out its lease."""
    from sqlalchemy.exc import OperationalError

    down = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    outage = {"on": True}

    async def flaky(s: AsyncSession, payload: dict[str, Any]) -> None:
        if outage["on"]:
            raise down
        calls.append(payload)

    real_fail = jobs.fail

    async def fail(s: AsyncSession, job: jobs.ClaimedJob, error: str) -> None:
        if outage["on"]:
            raise down
        await real_fail(s, job, error)

    monkeypatch.setitem(HANDLERS, "test.flaky", flaky)
    monkeypatch.setattr(jobs, "fail", fail)
    first, second = jobs.enqueue(session, "test.flaky", {"n": 1}), jobs.enqueue(
        session, "test.flaky", {"n": 2})
    await session.commit()
    for _ in range(3):  # every try while it is down keeps the first job in hand, first
        with pytest.raises(OperationalError):
            await worker.run_once()
    outage["on"] = False
    assert await worker.drain() == 2
    assert calls == [{"n": 1}, {"n": 2}]
    for job in (first, second):
        row = await job_row(session, job.id)
        assert (row.status, row.attempts) == ("done", 1)

    # Held past its lease, a job is let go: another worker has it by then.
    monkeypatch.setattr(worker, "lease", timedelta(seconds=0))
    jobs.enqueue(session, "test.flaky", {"n": 3})
    await session.commit()
    assert await worker.run_once()
    assert calls == [{"n": 1}, {"n": 2}]


async def test_expired_lease_lets_another_worker_reclaim(
    session: AsyncSession, db: Database, calls: list[dict[str, Any]]
) -> None:
    job = jobs.enqueue(session, "test.record", {"n": 7})
    await session.commit()
    claimed = await jobs.claim(session, "dead-worker", timedelta(seconds=60))
    await session.commit()
    assert claimed is not None and claimed.id == job.id
    other = Worker(db, name="other")
    assert not await other.run_once()  # leased: nobody else takes it
    await session.execute(
        update(Job).where(Job.id == job.id).values(lease_until=utcnow() - timedelta(seconds=1))
    )
    await session.commit()
    assert await other.run_once()
    row = await job_row(session, job.id)
    assert (row.status, row.worker, row.attempts) == ("done", "other", 2)
    assert calls == [{"n": 7}]


async def test_ensure_scheduled_and_purge(session: AsyncSession) -> None:
    await jobs.ensure_scheduled(session, "test.tick")
    await session.flush()
    await jobs.ensure_scheduled(session, "test.tick")
    await session.commit()
    (tick,) = await session.scalars(select(Job).where(Job.kind == "test.tick"))
    old = jobs.enqueue(session, "test.old")
    await session.flush()
    old.status, old.finished_at = "done", utcnow() - timedelta(days=2)
    await session.commit()
    await jobs.purge_done(session)
    await session.commit()
    assert list(await session.scalars(select(Job.id))) == [tick.id]


# --- the crash test -----------------------------------------------------------------------


async def count_jobs(db: Database, status: str) -> int:
    """Jobs the test made (a starting worker also schedules its recurring maintenance)."""
    async with db.sessions() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(Job)
                .where(Job.status == status, Job.kind.not_in(RECURRING))
            ) or 0
        )


async def test_a_killed_worker_loses_no_work(
    people: People, session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    author = await people.make("author")
    followers = [await people.make(f"fan{i}") for i in range(3)]
    for fan in followers:
        await graph.follow(session, fan.id, author.id)
    await session.commit()
    made = [(await posts.create_post(session, author, f"post {i}")).id for i in range(200)]
    await session.commit()
    total = int(await session.scalar(select(func.count()).select_from(Job)) or 0)
    assert total >= 400  # a fan-out and a notification job per post, plus the follows

    short = configure(settings.model_copy(update={"job_lease_seconds": 1.0}))
    db = Database(short)
    env = {
        **process_env(settings),
        "SALON_JOB_LEASE_SECONDS": "1",
        "SALON_WORKER_POLL_SECONDS": "0.1",
        "SALON_EMBEDDED_WORKER": "false",
    }
    salon = Path(sys.executable).parent / "salon"
    process = await asyncio.create_subprocess_exec(
        str(salon),
        "worker",
        cwd=tmp_path,  # away from any .env file
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while await count_jobs(db, "done") < 40:
            assert process.returncode is None, "the worker exited on its own"
            assert time.monotonic() < deadline, "the worker did no work"
            await asyncio.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(process.wait(), 10) == -signal.SIGKILL
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    done_at_kill = await count_jobs(db, "done")
    assert 40 <= done_at_kill < total, "killed midway, with work left"
    async with db.sessions() as s:
        interrupted = list(await s.scalars(select(Job.id).where(Job.status == "running")))

    # A fresh worker finishes everything, including any job the dead one had claimed.
    await asyncio.sleep(1.1)  # let the dead worker's lease run out
    survivor = Worker(db, name="survivor")
    try:
        await survivor.drain()
        assert await count_jobs(db, "done") == total
        assert await count_jobs(db, "failed") == 0
        async with db.sessions() as s:
            for job_id in interrupted:
                job = await s.get(Job, job_id)
                assert job is not None and (job.status, job.worker) == ("done", "survivor")
                assert job.attempts == 2

            expected = sorted(made, reverse=True)
            for fan in followers:
                everything = Cursor()
                everything.limit = 10_000
                rows = await timeline_store(short).page(s, fan.id, everything, set())
                assert sorted(rows, reverse=True) == expected
                seen: list[int] = []
                cursor = Cursor(limit=40)
                while True:
                    page = await timelines.home(s, short, fan.id, cursor)
                    seen += [v.id for v in page.items]
                    if page.next_max_id is None:
                        break
                    cursor = Cursor(max_id=page.next_max_id, limit=40)
                assert seen == expected  # every post, exactly once, newest first
    finally:
        await db.dispose()
        configure(settings)


async def test_a_job_whose_worker_died_on_its_last_attempt_is_given_up(
    session: AsyncSession, worker: Worker, calls: list[dict[str, Any]]
) -> None:
    job = jobs.enqueue(session, "test.record", {"n": 9}, max_attempts=1)
    await session.commit()
    # Another worker claimed it and died: the lease has run out and no attempt is left.
    assert await jobs.claim(session, "dead-worker", timedelta(seconds=-1)) is not None
    await session.commit()
    assert not await worker.run_once()
    row = await job_row(session, job.id)
    assert row.status == "failed" and "stopped" in (row.last_error or "")
    assert calls == []


async def test_claim_batch_leases_the_oldest_due_jobs(session: AsyncSession) -> None:
    made = [jobs.enqueue(session, "test.record", {"n": n}) for n in range(5)]
    later = jobs.enqueue(session, "test.record", {"n": 9},
                         run_at=utcnow() + timedelta(hours=1))
    await session.commit()
    first = await jobs.claim_batch(session, "w1", timedelta(seconds=60), 3)
    second = await jobs.claim_batch(session, "w2", timedelta(seconds=60), 3)
    await session.commit()
    assert [j.id for j in first] == [m.id for m in made[:3]]
    assert [j.id for j in second] == [m.id for m in made[3:]]  # not the future one
    assert later.id not in {j.id for j in first + second}
    assert await jobs.claim_batch(session, "w3", timedelta(seconds=60), 3) == []
