"""Feeds from a sentence, Salon's extension of the API: /api/v1/salon/feeds to make, change,
follow and pin them, and /api/v1/salon/feeds/:id/statuses, a timeline paged as Mastodon
pages one. A private feed is its owner's alone: anyone else is answered 404. Mastodon apps
see the same feeds as lists (lists.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import entities, rendered
from salon.api.mastodon.deps import (
    Params,
    account_of,
    base_url,
    params,
    path_id,
    rendered_statuses,
    scoped,
    token,
    viewer_filters,
    viewer_of,
)
from salon.api.mastodon.entities.common import timestamp
from salon.api.mastodon.paging import cursor, paged_json
from salon.feeds import sentences
from salon.feeds.models import SentenceFeed
from salon.feeds.schemas import SentenceFeedView
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1/salon")
READ, WRITE = scoped("read:lists"), scoped("write:lists")
# A public feed, and its posts, anyone may read; a token presented must allow it.
ANYONE, ANYONE_STATUSES = token("read:lists"), token("read:statuses")


def entity(view: SentenceFeedView, base: str) -> dict[str, Any]:
    feed = view.feed
    return {
        "id": str(feed.id), "title": feed.title, "sentence": feed.sentence,
        "order": feed.order, "public": feed.public, "followers_count": view.followers_count,
        "created_at": timestamp(feed.created_at), "url": f"{base}/feeds/{feed.id}",
        "account": entities.account(view.owner, base).model_dump(mode="json"),
        "owned": view.owned, "following": view.following, "pinned": view.pinned,
    }


async def _one(session: AsyncSession, settings: Settings, viewer_id: int | None,
               feed: SentenceFeed) -> JSONResponse:
    (view,) = await sentences.views(session, viewer_id, [feed])
    return JSONResponse(entity(view, base_url(settings)))


def _changes(p: Params) -> dict[str, Any]:
    """What a create or an update may set; what is not sent stays as it is."""
    return {
        "title": p.optional_text("title", max_len=sentences.TITLE_MAX),
        "order": p.choice("order", sentences.ORDERS, "newest") if p.given("order") else None,
        "public": p.optional_flag("public"),
    }


@router.get("/feeds")
async def index(context: TokenContext = Depends(READ),
                session: AsyncSession = Depends(db_session),
                settings: Settings = Depends(get_settings)) -> JSONResponse:
    """The person's own feeds and those they follow, as they were made or followed."""
    me = account_of(context)
    found = await sentences.views(session, me.id, await sentences.reading_list(session, me.id))
    return JSONResponse([entity(view, base_url(settings)) for view in found])


@router.post("/feeds")
async def create(request: Request, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    p = await params(request)
    sentence = p.text("sentence", max_len=sentences.SENTENCE_MAX)
    chosen = _changes(p)
    me = account_of(context)
    made = await sentences.create(session, settings, me.id, sentence=sentence,
                                  title=chosen["title"], order=chosen["order"] or "newest",
                                  public=bool(chosen["public"]), pinned=p.flag("pinned"))
    await session.commit()
    return await _one(session, settings, me.id, made)


@router.get("/feeds/{feed_id}")
async def show(feed_id: str, context: TokenContext | None = Depends(ANYONE),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    viewer_id = viewer_of(context)
    found = await sentences.readable(session, path_id(feed_id), viewer_id)
    return await _one(session, settings, viewer_id, found)


@router.put("/feeds/{feed_id}")
async def change(request: Request, feed_id: str, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    p = await params(request)
    wanted = path_id(feed_id)
    sentence = p.optional_text("sentence", max_len=sentences.SENTENCE_MAX)
    me = account_of(context)
    found = await sentences.update(session, settings, me.id, wanted, sentence=sentence,
                                   **_changes(p))
    await session.commit()
    return await _one(session, settings, me.id, found)


@router.delete("/feeds/{feed_id}")
async def delete(feed_id: str, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await sentences.remove(session, account_of(context).id, path_id(feed_id))
    await session.commit()
    return JSONResponse({})


async def _act(action: str, feed_id: str, context: TokenContext, session: AsyncSession,
               settings: Settings) -> JSONResponse:
    me, wanted = account_of(context), path_id(feed_id)
    if action == "follow":
        found = await sentences.follow(session, me.id, wanted)
    elif action == "unfollow":
        found = await sentences.unfollow(session, me.id, wanted)
    else:
        found = await sentences.pin(session, me.id, wanted, action == "pin")
    await session.commit()
    return await _one(session, settings, me.id, found)


@router.post("/feeds/{feed_id}/follow")
async def follow(feed_id: str, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _act("follow", feed_id, context, session, settings)


@router.post("/feeds/{feed_id}/unfollow")
async def unfollow(feed_id: str, context: TokenContext = Depends(WRITE),
                   session: AsyncSession = Depends(db_session),
                   settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _act("unfollow", feed_id, context, session, settings)


@router.post("/feeds/{feed_id}/pin")
async def pin(feed_id: str, context: TokenContext = Depends(WRITE),
              session: AsyncSession = Depends(db_session),
              settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _act("pin", feed_id, context, session, settings)


@router.post("/feeds/{feed_id}/unpin")
async def unpin(feed_id: str, context: TokenContext = Depends(WRITE),
                session: AsyncSession = Depends(db_session),
                settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _act("unpin", feed_id, context, session, settings)


async def timeline_response(request: Request, session: AsyncSession, settings: Settings,
                            context: TokenContext | None, kept: rendered.RenderedStatuses,
                            feed: SentenceFeed) -> Response:
    """A feed's page of statuses with Link headers (also a list's timeline: lists.py)."""
    viewer_id = viewer_of(context)
    matcher = await viewer_filters(request, session, context, "home")
    page = await sentences.posts(session, settings, feed, viewer_id,
                                 cursor(await params(request)),
                                 rendered.presenter(kept, matcher))
    await session.commit()  # vectors of a model changed since are kept
    return paged_json(request, page)


@router.get("/feeds/{feed_id}/statuses")
async def statuses(request: Request, feed_id: str,
                   context: TokenContext | None = Depends(ANYONE_STATUSES),
                   session: AsyncSession = Depends(db_session),
                   settings: Settings = Depends(get_settings),
                   kept: rendered.RenderedStatuses = Depends(rendered_statuses)) -> Response:
    found = await sentences.readable(session, path_id(feed_id), viewer_of(context))
    return await timeline_response(request, session, settings, context, kept, found)
