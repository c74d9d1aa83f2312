"""Housekeeping of the social graph."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import utcnow
from salon.graph import service as graph
from salon.jobs import service as jobs
from salon.jobs.worker import handler

EXPIRE_MUTES_EVERY = timedelta(minutes=15)


@handler("graph.expire_mutes", recurring=True)
async def expire_mutes(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Recurring: delete mutes that have ended (reads ignore them already), then schedule
    the next run (unless asked `once`)."""
    while await graph.expire_mutes(session) == 1000:
        pass
    if not payload.get("once"):
        jobs.enqueue(session, "graph.expire_mutes", run_at=utcnow() + EXPIRE_MUTES_EVERY)
