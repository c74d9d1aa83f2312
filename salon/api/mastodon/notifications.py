"""Notifications: list (types[] / exclude_types[] / account_id), unread count, get, dismiss,
clear; and the markers. Grouped ones (API v2) are in grouped_notifications.py, the policy
and requests in notification_requests.py."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import entities, render
from salon.api.mastodon.deps import (
    ApiError,
    Params,
    account_of,
    base_url,
    params,
    path_id,
    scoped,
    viewer_filters,
)
from salon.api.mastodon.paging import cursor, paged
from salon.db.ids import utcnow
from salon.notifications import service as notifications
from salon.notifications.queries import Filters
from salon.oauth.service import TokenContext
from salon.posts import reading
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.timelines.schemas import Cursor
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1/notifications")
# Mastodon's names for Salon's notification types, and back; a name Salon does not know
# (a newer Mastodon's) is taken as it is and matches nothing. follow_request and admin.* are
# Mastodon's names too, should Salon make them.
TO_SALON = {"favourite": "favourite", "reblog": "reblog", "mention": "mention",
            "follow": "follow", "poll": "poll", "quote": "quote", "status": "status",
            "follow_request": "follow_request", "update": "update",
            "admin.sign_up": "admin.sign_up", "admin.report": "admin.report"}


def types_of(p: Params, field: str) -> list[str] | None:
    """Notification types as Salon names them (types[], exclude_types[], grouped_types[])."""
    names = p.texts(field, max_len=100)
    if not names:
        return None
    found = {TO_SALON.get(n, n) for n in names}
    if "mention" in found:
        found.add("reply")  # Mastodon counts replies as mentions
    return sorted(found)


def filters_of(p: Params) -> Filters:
    """What a list of notifications is asked to show."""
    return Filters(types_of(p, "types"), types_of(p, "exclude_types"), p.id("account_id"),
                   p.flag("include_filtered"))


@router.get("")
async def index(request: Request, context: TokenContext = Depends(scoped("read:notifications")),
                session: AsyncSession = Depends(db_session),
                settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    p = await params(request)
    asked = filters_of(p)
    page = await notifications.page(session, me.id, cursor(p, 40, 80), asked.types,
                                    asked.exclude_types, from_account_id=asked.from_account_id,
                                    include_filtered=asked.include_filtered)
    mentions = await reading.mentioned_accounts(
        session, [n.post.id for n in page.items if n.post is not None])
    body = render.notifications(page.items, base_url(settings), mentions,
                                await viewer_filters(request, session, context,
                                                     "notifications"))
    return paged(request, body, page)


@router.post("/clear")
async def clear(context: TokenContext = Depends(scoped("write:notifications")),
                session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await notifications.clear(session, account_of(context).id)
    await session.commit()
    return JSONResponse({})


@router.get("/unread_count")
async def unread_count(request: Request,
                       context: TokenContext = Depends(scoped("read:notifications")),
                       session: AsyncSession = Depends(db_session)) -> JSONResponse:
    """Unread (newer than the notifications marker), counted up to `limit`."""
    p = await params(request)
    cap = p.number("limit", 100, 1, 1000, clamp=True)
    asked = Filters(types_of(p, "types"), types_of(p, "exclude_types"), p.id("account_id"))
    return JSONResponse({"count": await notifications.unread_count(
        session, account_of(context).id, cap, asked)})


# Declared after every fixed path (unread_count, clear; requests and policy are in a router
# tried before this one): `/{notification_id}` takes any one segment, and answers 404 to
# whatever is not an id.
@router.get("/{notification_id}")
async def show(notification_id: str,
               context: TokenContext = Depends(scoped("read:notifications")),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    wanted = path_id(notification_id)
    page = await notifications.page(session, me.id, Cursor(max_id=wanted + 1, limit=1))
    if not page.items or page.items[0].id != wanted:
        raise ApiError(404, "Record not found")
    mentions = await reading.mentioned_accounts(
        session, [page.items[0].post.id] if page.items[0].post else [])
    return JSONResponse(entities.notification(page.items[0], base_url(settings),
                                              mentions).model_dump(mode="json"))


@router.post("/{notification_id}/dismiss")
async def dismiss(notification_id: str,
                  context: TokenContext = Depends(scoped("write:notifications")),
                  session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await notifications.dismiss(session, account_of(context).id, path_id(notification_id))
    await session.commit()
    return JSONResponse({})


markers = APIRouter(prefix="/api/v1/markers")


def _marker_json(last_read_id: int, version: int, updated_at: datetime | None
                 ) -> dict[str, object]:
    return {"last_read_id": str(last_read_id), "version": version,
            "updated_at": entities.timestamp(updated_at or utcnow())}


async def _markers(session: AsyncSession, account_id: int, wanted: list[str]
                   ) -> dict[str, object]:
    found: dict[str, object] = {}
    if "home" in wanted and (home := await timelines.home_marker(session, account_id)):
        found["home"] = _marker_json(home.last_read_id, home.version, home.updated_at)
    if "notifications" in wanted and (note := await notifications.marker(session, account_id)):
        found["notifications"] = _marker_json(note.last_read_id, note.version, note.updated_at)
    return found


@markers.get("")
async def read_markers(request: Request, context: TokenContext = Depends(scoped("read:statuses")),
                       session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    wanted = p.texts("timeline", max_len=100) or ["home", "notifications"]
    return JSONResponse(await _markers(session, account_of(context).id, wanted))


@markers.post("")
async def save_markers(request: Request, context: TokenContext = Depends(scoped("write:statuses")),
                       session: AsyncSession = Depends(db_session)) -> JSONResponse:
    me = account_of(context)
    p = await params(request)
    saved = []
    for timeline in ("home", "notifications"):
        last_read_id = p.object(timeline).id("last_read_id")
        if last_read_id is None:
            continue
        if timeline == "home":
            await timelines.save_home_marker(session, me.id, last_read_id)
        else:
            await notifications.mark_read(session, me.id, last_read_id)
        saved.append(timeline)
    await session.commit()
    return JSONResponse(await _markers(session, me.id, saved))
