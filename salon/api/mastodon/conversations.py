"""Conversations: the threads of direct posts each person takes part in, most recent first,
with whether they are unread; `direct` stream events render them the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.api.mastodon import entities, render
from salon.api.mastodon.deps import account_of, base_url, params, path_id, scoped
from salon.api.mastodon.paging import cursor, paged
from salon.oauth.service import TokenContext
from salon.posts import conversations, reading
from salon.posts.models import Conversation, Post
from salon.settings import Settings
from salon.timelines.schemas import Page
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1/conversations")


async def rendered(session: AsyncSession, rows: Sequence[tuple[Conversation, Post | None]],
                   base: str, viewer_id: int) -> list[dict[str, Any]]:
    """Mastodon's Conversation for each row, for its participant: a fixed number of
    queries for the page."""
    wanted = {int(i) for c, _ in rows for i in c.participants.split(",") if i}
    people = await accounts.get_many(session, wanted)
    shown = [p for _, p in rows if p is not None]
    views = {v.id: v for v in await reading.present(session, shown, viewer_id)}
    statuses = dict(zip(views, await render.statuses(session, list(views.values()), base,
                                                     viewer_id), strict=True))
    return [{
        "id": str(c.id),
        "unread": c.unread,
        "accounts": [entities.account(people[i], base).model_dump(mode="json")
                     for i in (int(i) for i in c.participants.split(",") if i)
                     if i in people and people[i].suspended_at is None],
        "last_status": statuses.get(p.id) if p is not None else None,
    } for c, p in rows]


@router.get("")
async def index(request: Request, context: TokenContext = Depends(scoped("read:statuses")),
                session: AsyncSession = Depends(db_session),
                settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    page = await conversations.page(session, me.id, cursor(await params(request), 20, 40))
    body = await rendered(session, page.items, base_url(settings), me.id)
    return paged(request, body, Page(body, page.next_max_id, page.prev_min_id))


@router.delete("/{conversation_id}")
async def remove(conversation_id: str,
                 context: TokenContext = Depends(scoped("write:conversations")),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await conversations.remove(session, account_of(context).id, path_id(conversation_id))
    await session.commit()
    return JSONResponse({})


@router.post("/{conversation_id}/read")
async def mark_read(conversation_id: str,
                    context: TokenContext = Depends(scoped("write:conversations")),
                    session: AsyncSession = Depends(db_session),
                    settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    row = await conversations.mark_read(session, me.id, path_id(conversation_id))
    body = (await rendered(session, [row], base_url(settings), me.id))[0]
    await session.commit()
    return JSONResponse(body)
