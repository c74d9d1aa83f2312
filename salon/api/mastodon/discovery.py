"""Finding things: search (v2), trending tags, follow suggestions, polls and reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.api.mastodon import entities, render
from salon.api.mastodon.deps import (
    SEARCH_MAX,
    ApiError,
    account_of,
    base_url,
    params,
    path_id,
    scoped,
    token,
    viewer_filters,
    viewer_of,
)
from salon.db.ids import utcnow
from salon.graph import service as graph
from salon.meaning import search as meaning_search
from salon.moderation import service as moderation
from salon.oauth.service import TokenContext
from salon.posts import interactions, reading
from salon.posts import service as posts
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.web.deps import db_session, get_settings

router = APIRouter()


@router.get("/api/v2/search")
async def search_v2(request: Request, context: TokenContext | None = Depends(token("read:search")),
                    session: AsyncSession = Depends(db_session),
                    settings: Settings = Depends(get_settings)) -> JSONResponse:
    p = await params(request)
    q = p.text("q", max_len=SEARCH_MAX).strip()[:200]
    kind = p.choice("type", ("", "accounts", "hashtags", "statuses"), "")
    limit = p.number("limit", 20, 1, 40, clamp=True)
    viewer_id = viewer_of(context)
    base = base_url(settings)
    found_accounts = await accounts.search(session, q, limit) if q and kind in (
        "", "accounts") else []
    found_tags = await timelines.search_tags(session, q, limit) if q and kind in (
        "", "hashtags") else []
    found_posts: list[dict[str, Any]] = []
    # Statuses by words and meaning, best first (docs/search.md); pages by position
    # (`offset`, within a bounded ranking) or among older posts (`max_id`). Mastodon
    # searches statuses only for signed-in people.
    offset = p.number("offset", 0, 0, 2**31 - 1)
    max_id = p.id("max_id")
    if q and kind in ("", "statuses") and viewer_id is not None:
        found = await meaning_search.statuses(session, settings, q, viewer_id, offset=offset,
                                              limit=limit, max_id=max_id)
        views = await reading.present(session, found, viewer_id)
        found_posts = await render.statuses(
            session, views, base, viewer_id,
            await viewer_filters(request, session, context, None))
    return JSONResponse({
        "accounts": [entities.account(a, base).model_dump(mode="json") for a in found_accounts],
        "statuses": found_posts,
        "hashtags": [entities.tag(t.display_name, base).model_dump(mode="json")
                     for t in found_tags],
    })


@router.get("/api/v1/trends/tags")
@router.get("/api/v1/trends")
async def trending_tags(request: Request, session: AsyncSession = Depends(db_session),
                        settings: Settings = Depends(get_settings)) -> JSONResponse:
    p = await params(request)
    trends = await timelines.trending_tags(session, limit=p.number("limit", 10, 1, 20, clamp=True))
    base = base_url(settings)
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return JSONResponse([
        entities.tag(t.display_name, base, [(today, t.posts, t.accounts)])
        .model_dump(mode="json") for t in trends
    ])


@router.get("/api/v1/trends/statuses")
async def trending_statuses(request: Request,
                            context: TokenContext | None = Depends(token("read:statuses")),
                            session: AsyncSession = Depends(db_session),
                            settings: Settings = Depends(get_settings)) -> JSONResponse:
    p = await params(request)
    viewer_id = viewer_of(context)
    offset = p.number("offset", 0, 0, 2**31 - 1)
    views = await timelines.ranked(session, viewer_id,
                                   limit=p.number("limit", 20, 1, 40, clamp=True),
                                   engaged=True, offset=min(offset, timelines.RANK_POOL))
    return JSONResponse(await render.statuses(
        session, views, base_url(settings), viewer_id,
        await viewer_filters(request, session, context, "public")))


@router.get("/api/v1/trends/links")
async def trending_links() -> JSONResponse:
    return JSONResponse([])  # no link previews yet, so no links to rank


@router.get("/api/v1/directory")
async def directory(request: Request,
                    context: TokenContext | None = Depends(token("read:accounts")),
                    session: AsyncSession = Depends(db_session),
                    settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Mastodon's profile directory, paged by offset as there (bounded: see
    accounts.directory); every account here is local, so `local` changes nothing."""
    p = await params(request)
    order = p.choice("order", ("active", "new"), "active")
    p.flag("local")
    viewer_id = viewer_of(context)
    people = await accounts.directory(
        session, order=order, offset=p.number("offset", 0, 0, 2**31 - 1),
        limit=p.number("limit", 40, 1, 80, clamp=True),
        exclude=graph.hidden_author_ids(viewer_id) if viewer_id is not None else None)
    base = base_url(settings)
    return JSONResponse([entities.account(a, base).model_dump(mode="json") for a in people])


@router.get("/api/v2/suggestions")
async def suggestions(request: Request, context: TokenContext = Depends(scoped("read")),
                      session: AsyncSession = Depends(db_session),
                      settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    p = await params(request)
    people = await accounts.suggestions(session, me.id, graph.not_suggestable_ids(me.id),
                                        limit=p.number("limit", 40, 1, 80, clamp=True))
    base = base_url(settings)
    return JSONResponse([{"source": "global", "sources": ["most_followed"],
                          "account": entities.account(a, base).model_dump(mode="json")}
                         for a in people])


@router.delete("/api/v1/suggestions/{account_id}")
async def dismiss_suggestion(account_id: str, context: TokenContext = Depends(scoped("read")),
                             session: AsyncSession = Depends(db_session)) -> JSONResponse:
    """Suggest this account no more (an unknown one: 404)."""
    me = account_of(context)
    target = await accounts.get(session, path_id(account_id))
    await graph.dismiss_suggestion(session, me.id, target.id)
    await session.commit()
    return JSONResponse({})




async def _poll_json(session: AsyncSession, post_id: int, viewer_id: int | None
                     ) -> dict[str, Any]:
    post = await posts.get_visible(session, post_id, viewer_id)
    await session.refresh(post)
    view = (await reading.present(session, [post], viewer_id))[0]
    if view.poll is None:
        raise ApiError(404, "Record not found")
    return entities.poll(view.poll, viewer_id, post.account_id).model_dump(mode="json")


@router.get("/api/v1/polls/{poll_id}")
async def poll(poll_id: str, context: TokenContext | None = Depends(token("read:statuses")),
               session: AsyncSession = Depends(db_session)) -> JSONResponse:
    post_id = await interactions.poll_post_id(session, path_id(poll_id))
    if post_id is None:
        raise ApiError(404, "Record not found")
    viewer_id = viewer_of(context)
    return JSONResponse(await _poll_json(session, post_id, viewer_id))


@router.post("/api/v1/polls/{poll_id}/votes")
async def vote(request: Request, poll_id: str,
               context: TokenContext = Depends(scoped("write:statuses")),
               session: AsyncSession = Depends(db_session)) -> JSONResponse:
    me = account_of(context)
    post_id = await interactions.poll_post_id(session, path_id(poll_id))
    if post_id is None:
        raise ApiError(404, "Record not found")
    p = await params(request)
    await interactions.vote(session, me, post_id, p.numbers("choices", 0, 100, max_count=20))
    await session.commit()
    return JSONResponse(await _poll_json(session, post_id, me.id))


@router.post("/api/v1/reports")
async def report(request: Request, context: TokenContext = Depends(scoped("write:reports")),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    me = account_of(context)
    p = await params(request)
    status_ids = p.ids("status_ids")
    post_id = status_ids[0] if status_ids else None
    account_id = p.id("account_id")
    category = p.text("category", max_len=100) or "other"
    found = await moderation.file_report(
        session, me, account_id=None if post_id else account_id, post_id=post_id,
        category=category if category in moderation.CATEGORIES else "other",
        comment=p.text("comment", max_len=10_000, multiline=True),
    )
    await session.commit()
    target = await accounts.get(session, found.target_account_id)
    return JSONResponse({
        "id": str(found.id), "action_taken": False, "action_taken_at": None,
        "category": found.category, "comment": found.comment, "forwarded": False,
        "created_at": entities.timestamp(found.created_at),
        "status_ids": [str(post_id)] if post_id else None, "rule_ids": None,
        "target_account": entities.account(target, request.app.state.settings.base_url
                                           .rstrip("/")).model_dump(mode="json"),
    })
