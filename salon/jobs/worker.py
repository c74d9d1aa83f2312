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
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.session import Database
from salon.errors import UNAVAILABLE, storage_unreachable
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
RECURRING: list[str] = []


def handler(kind: str, *, recurring: bool = False) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of `kind` (`recurring`: it schedules its next
    run itself, and a starting worker makes sure one is scheduled). It must be safe to run
    twice: a job whose worker died mid-way runs again. Which handlers exist is the
    composition root's business (salon/tasks.py), not this module's."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        if recurring and kind not in RECURRING:
            RECURRING.append(kind)
        return fn

    return register


class Worker:
    def __init__(self, db: Database, name: str | None = None, batch: int = 16,
                 concurrency: int | None = None,
                 handlers: Mapping[str, Handler] | None = None) -> None:
        self.db = db
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = timedelta(seconds=db.settings.job_lease_seconds)
        self.handlers = HANDLERS if handlers is None else handlers  # salon/tasks.py's
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
        if time.monotonic() - job.claimed_at > self.lease.total_seconds():
            return True  # held past its lease (storage was out of reach): another's by now
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
            try:
                async with self.db.transaction() as session:
                    await service.fail(session, job, traceback.format_exc())
            except UNAVAILABLE as exc:
                if not storage_unreachable(exc):
                    raise
                # The database is out of reach, so not even the failure can be written. The
                # job is still ours (its lease runs on): it goes first again, and runs as
                # soon as the database is back instead of waiting out the lease.
                self._claimed.appendleft(job)
                raise
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
