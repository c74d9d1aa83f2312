"""Enqueue, claim, finish and retry durable jobs. Enqueue in the caller's transaction, so a
job exists exactly when the row that needs it does."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import utcnow
from salon.jobs.models import Job

MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    claimed_at: float = field(default_factory=time.monotonic)  # this process's clock


def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    max_attempts: int = 8,
) -> Job:
    job = Job(
        kind=kind, payload=payload or {}, run_at=run_at or utcnow(), max_attempts=max_attempts
    )
    session.add(job)
    return job


async def claim(session: AsyncSession, worker: str, lease: timedelta) -> ClaimedJob | None:
    """Take the next due job, or one whose worker died (lease ran out), and lease it."""
    found = await claim_batch(session, worker, lease, 1)
    return found[0] if found else None


async def claim_batch(
    session: AsyncSession, worker: str, lease: timedelta, limit: int
) -> list[ClaimedJob]:
    """Lease up to `limit` due jobs at once (one statement instead of one per job), oldest
    first. A worker that dies holding them loses nothing: their leases run out."""
    now = utcnow()
    due = (
        select(Job.id)
        .where(
            or_(
                (Job.status == "queued") & (Job.run_at <= now),
                (Job.status == "running") & (Job.lease_until < now),
            )
        )
        .order_by(Job.run_at)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = await session.execute(
        update(Job)
        .where(Job.id.in_(due.scalar_subquery()))
        .values(status="running", attempts=Job.attempts + 1, lease_until=now + lease,
                worker=worker)
        .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
    )
    jobs = [ClaimedJob(id=r[0], kind=r[1], payload=r[2], attempts=r[3], max_attempts=r[4])
            for r in rows]
    return sorted(jobs, key=lambda job: job.id)


async def give_up_abandoned(session: AsyncSession) -> int:
    """Jobs whose worker died during their last allowed attempt are failed, not retried
    forever (a job that kills its worker would otherwise come back on every lease)."""
    now = utcnow()
    result = await session.execute(
        update(Job)
        .where(Job.status == "running", Job.lease_until < now, Job.attempts >= Job.max_attempts)
        .values(status="failed", finished_at=now, lease_until=None,
                last_error="Its worker stopped during every attempt.")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def extend_leases(session: AsyncSession, worker: str, lease: timedelta) -> None:
    """A worker busy with a long job keeps the jobs it holds (that one and the rest of its
    batch) from being taken over as abandoned."""
    await session.execute(
        update(Job)
        .where(Job.status == "running", Job.worker == worker)
        .values(lease_until=utcnow() + lease)
    )


async def finish(session: AsyncSession, job_id: int) -> None:
    await session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status="done", finished_at=utcnow(), lease_until=None)
    )


class Later(Exception):
    """Raised by a handler that cannot start yet (its resource is busy in this process):
    the job goes back in the queue for `seconds`, and the try does not count."""

    def __init__(self, seconds: float, why: str) -> None:
        super().__init__(why)
        self.seconds = seconds


async def defer(session: AsyncSession, job: ClaimedJob, seconds: float) -> None:
    await session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(status="queued", run_at=utcnow() + timedelta(seconds=seconds),
                attempts=Job.attempts - 1, lease_until=None)
    )


def backoff(attempts: int) -> timedelta:
    base = timedelta(seconds=5 * 2 ** min(attempts, 12))
    return min(base, MAX_BACKOFF) * random.uniform(0.8, 1.2)


async def fail(session: AsyncSession, job: ClaimedJob, error: str) -> None:
    """Schedule a retry with backoff, or give up after max_attempts."""
    gave_up = job.attempts >= job.max_attempts
    await session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(
            status="failed" if gave_up else "queued",
            run_at=utcnow() + backoff(job.attempts),
            lease_until=None,
            last_error=error[:4000],
            finished_at=utcnow() if gave_up else None,
        )
    )


async def pending_count(session: AsyncSession) -> int:
    from sqlalchemy import func

    return int(
        await session.scalar(
            select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
        )
        or 0
    )


async def purge_done(session: AsyncSession, older_than: timedelta = timedelta(days=1)) -> None:
    from sqlalchemy import delete

    await session.execute(
        delete(Job).where(Job.status == "done", Job.finished_at < utcnow() - older_than)
    )


async def ensure_scheduled(
    session: AsyncSession, kind: str, payload: dict[str, Any] | None = None
) -> None:
    """Enqueue a recurring job unless one of its kind is already waiting or running."""
    waiting = await session.scalar(
        select(Job.id).where(Job.kind == kind, Job.status.in_(("queued", "running"))).limit(1)
    )
    if waiting is None:
        enqueue(session, kind, payload)
