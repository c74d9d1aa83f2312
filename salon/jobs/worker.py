"""The worker loop: claim a job, run its handler and mark it done in one transaction; on an
error roll back and schedule a retry. Used inside `salon serve` and by `salon worker`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.session import Database
from salon.jobs import service

log = logging.getLogger("salon.worker")

Handler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}


@dataclass(frozen=True)
class Running:
    """The worker running the current handler, for handlers that must extend its leases."""

    worker: str
    lease: timedelta


RUNNING: ContextVar[Running | None] = ContextVar("salon_running_job", default=None)
# Maintenance jobs that reschedule themselves; a starting worker makes sure each exists.
RECURRING = ("timelines.trim", "generation.expire", "graph.expire_mutes")


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of `kind`. It must be safe to run twice: a job
    whose worker died mid-way runs again."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def load_handlers() -> dict[str, Handler]:
    # Importing each domain's tasks module registers its handlers.
    from salon.assistant import tasks as _assistant  # noqa: F401
    from salon.generation import tasks as _generation  # noqa: F401
    from salon.graph import tasks as _graph  # noqa: F401
    from salon.meaning import tasks as _meaning  # noqa: F401
    from salon.media import tasks as _media  # noqa: F401
    from salon.notifications import tasks as _notifications  # noqa: F401
    from salon.posts import tasks as _posts  # noqa: F401
    from salon.push import tasks as _push  # noqa: F401
    from salon.timelines import tasks as _timelines  # noqa: F401

    return HANDLERS


class Worker:
    def __init__(self, db: Database, name: str | None = None, batch: int = 16,
                 concurrency: int | None = None) -> None:
        self.db = db
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = timedelta(seconds=db.settings.job_lease_seconds)
        self.handlers = load_handlers()
        self.wake = asyncio.Event()
        self._next_sweep = 0.0
        # Jobs are claimed a few at a time: one claim statement serves several short jobs,
        # all finished well within their lease.
        self.batch = batch
        self._claimed: deque[service.ClaimedJob] = deque()
        self._claiming = asyncio.Lock()  # one claim at a time; the lanes share its jobs
        self.concurrency = concurrency or db.settings.worker_concurrency

    async def run_once(self) -> bool:
        """Do one job if one is due; False when there was nothing to do."""
        if not self._claimed:
            async with self._claiming:
                if not self._claimed:
                    await self._claim()
        if not self._claimed:
            return False
        job = self._claimed.popleft()
        fn = self.handlers.get(job.kind)
        try:
            if fn is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            token = RUNNING.set(Running(self.name, self.lease))
            try:
                async with self.db.transaction() as session:
                    await fn(session, job.payload)
                    await service.finish(session, job.id)
            finally:
                RUNNING.reset(token)
        except service.Later as later:
            async with self.db.transaction() as session:
                await service.defer(session, job, later.seconds)
        except Exception:
            log.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempts)
            async with self.db.transaction() as session:
                await service.fail(session, job, traceback.format_exc())
        return True

    async def _claim(self) -> None:
        async with self.db.transaction() as session:
            if time.monotonic() >= self._next_sweep:  # once a lease period is plenty
                self._next_sweep = time.monotonic() + self.lease.total_seconds()
                await service.give_up_abandoned(session)
            self._claimed.extend(
                await service.claim_batch(session, self.name, self.lease, self.batch)
            )

    async def drain(self, limit: int = 10_000) -> int:
        """Run due jobs until none is left (tests and `salon seed`)."""
        done = 0
        while done < limit and await self.run_once():
            done += 1
        return done

    async def run_forever(self, stop: asyncio.Event) -> None:
        log.info("worker %s started, %s jobs at a time", self.name, self.concurrency)
        async with self.db.transaction() as session:
            for kind in RECURRING:
                await service.ensure_scheduled(session, kind)
        lanes = [asyncio.create_task(self._lane(stop)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*lanes)
        finally:
            for lane in lanes:
                lane.cancel()
        log.info("worker %s stopped", self.name)

    async def _lane(self, stop: asyncio.Event) -> None:
        """One job at a time; a worker runs `concurrency` lanes over the jobs it claims."""
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except Exception:  # the database may be briefly unavailable; try again soon
                log.exception("worker loop error")
                busy = False
            if not busy:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.db.settings.worker_poll_seconds)
