"""Scheduled statuses: listed, read, moved to another time and cancelled; made by
POST /api/v1/statuses with `scheduled_at` (statuses.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import entities
from salon.api.mastodon.deps import Params, account_of, base_url, params, path_id, scoped
from salon.api.mastodon.entities.common import timestamp
from salon.api.mastodon.paging import cursor, paged
from salon.media import service as media
from salon.oauth.service import TokenContext
from salon.posts import scheduled as scheduling
from salon.posts.models import ScheduledPost
from salon.settings import Settings
from salon.timelines.schemas import Page
from salon.web.deps import db_session, get_settings, wake_worker

router = APIRouter(prefix="/api/v1/scheduled_statuses")
LAST_YEAR = 9999


def scheduled_time(p: Params) -> datetime | None:
    """`scheduled_at` as an ISO 8601 time (UTC when it names no zone); None when absent."""
    raw = p.optional_text("scheduled_at", max_len=64)
    if raw is None or not raw.strip():
        return None
    try:
        when = datetime.fromisoformat(raw.strip())
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise p.refuse("scheduled_at", "an ISO 8601 time, like 2030-01-31T12:00:00Z") from None
    if when.year >= LAST_YEAR:  # the day's limit counts up to the next midnight
        raise p.refuse("scheduled_at", f"a time before the year {LAST_YEAR}")
    return when


async def rendered(session: AsyncSession, rows: list[ScheduledPost], base: str
                   ) -> list[dict[str, Any]]:
    """Mastodon's ScheduledStatus for each row (their media in one query)."""
    attached = await media.for_scheduled(session, [r.id for r in rows])
    return [{
        "id": str(r.id),
        "scheduled_at": timestamp(r.scheduled_at),
        "params": dict(r.params),
        "media_attachments": [entities.media(m, base).model_dump(mode="json")
                              for m in attached[r.id]],
    } for r in rows]


@router.get("")
async def index(request: Request, context: TokenContext = Depends(scoped("read:statuses")),
                session: AsyncSession = Depends(db_session),
                settings: Settings = Depends(get_settings)) -> JSONResponse:
    page_cursor = cursor(await params(request), 20, 40)
    rows = await scheduling.page(session, account_of(context).id, page_cursor.max_id,
                                 page_cursor.since_id, page_cursor.min_id, page_cursor.limit)
    if page_cursor.ascending:
        rows.reverse()
    body = await rendered(session, rows, base_url(settings))
    return paged(request, body, Page.of(body, [r.id for r in rows], page_cursor))


@router.get("/{scheduled_id}")
async def show(scheduled_id: str, context: TokenContext = Depends(scoped("read:statuses")),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    found = await scheduling.get_own(session, account_of(context).id, path_id(scheduled_id))
    return JSONResponse((await rendered(session, [found], base_url(settings)))[0])


@router.put("/{scheduled_id}")
async def update(request: Request, scheduled_id: str,
                 context: TokenContext = Depends(scoped("write:statuses")),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    wanted = path_id(scheduled_id)
    await scheduling.get_own(session, me.id, wanted)  # another's: 404 before any 422
    when = scheduled_time(await params(request))
    if when is None:
        raise Params({}).refuse("scheduled_at", "given: the new time, in ISO 8601")
    found = await scheduling.reschedule(session, me.id, wanted, when)
    body = (await rendered(session, [found], base_url(settings)))[0]
    await session.commit()
    wake_worker(request)
    return JSONResponse(body)


@router.delete("/{scheduled_id}")
async def cancel(scheduled_id: str, context: TokenContext = Depends(scoped("write:statuses")),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await scheduling.cancel(session, account_of(context).id, path_id(scheduled_id))
    await session.commit()
    return JSONResponse({})
