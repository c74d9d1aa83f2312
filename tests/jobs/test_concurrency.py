"""A worker process runs several jobs at once (SALON_WORKER_CONCURRENCY), each exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.session import Database
from salon.jobs import service as jobs
from salon.jobs.models import Job
from salon.jobs.worker import HANDLERS, Worker


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_jobs_overlap_up_to_the_concurrency_setting(
    db: Database, monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    running: set[int] = set()
    peak = 0
    seen: list[int] = []

    async def slow(session: AsyncSession, payload: dict[str, Any]) -> None:
        nonlocal peak
        running.add(payload["n"])
        peak = max(peak, len(running))
        await asyncio.sleep(0.2)  # waiting on something, as fan-out waits on the database
        running.discard(payload["n"])
        seen.append(payload["n"])

    monkeypatch.setitem(HANDLERS, "test.slow", slow)
    async with db.transaction() as session:
        for n in range(7):
            jobs.enqueue(session, "test.slow", {"n": n})
    worker = Worker(db, name="lanes", concurrency=concurrency)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop))
    for _ in range(1500):  # 30 s at most
        if len(seen) == 7:
            break
        await asyncio.sleep(0.02)
    stop.set()
    worker.wake.set()
    await asyncio.wait_for(task, 10)

    assert sorted(seen) == list(range(7))  # each job once
    assert peak == concurrency
    async with db.sessions() as session:
        left = await session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == "test.slow",
                                                        Job.status != "done"))
    assert left == 0


def test_concurrency_setting_is_bounded() -> None:
    from pydantic import ValidationError

    from salon.settings import Settings

    with pytest.raises(ValidationError, match="worker_concurrency"):
        Settings(worker_concurrency=0)
