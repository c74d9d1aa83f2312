"""For You in the API: `GET /api/v1/timelines/for_you` (a ranked timeline: each status carries
why it is there as `salon.reason`), the same page for the built-in "For you" list
(`for_you_response`), and feedback: `POST /api/v1/salon/for_you/feedback` with `kind` less |
more | not_interested and one of `status_id`, `account_id` or `tag`; `DELETE` with the same
takes it back.

Feedback asks for `write:filters`: like a filter, it says what the person wants to see less
of (or more of) in their own reading, and changes nothing anyone else sees."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import rendered
from salon.api.mastodon.deps import (
    account_of,
    params,
    rendered_statuses,
    scoped,
    viewer_filters,
)
from salon.api.mastodon.paging import cursor, paged_json
from salon.feeds import feedback, for_you
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.timelines.schemas import Page
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1")
WRITE = scoped("write:filters")


async def for_you_response(request: Request, session: AsyncSession, settings: Settings,
                           context: TokenContext, kept: rendered.RenderedStatuses) -> Response:
    """A page of the person's For You as Mastodon pages a timeline (max_id and a Link
    header; since_id and min_id answer an empty page: see docs/feeds.md), each status
    with `salon.reason` {kind, text}. Commits: the first page keeps its ranking."""
    me = account_of(context)
    found = await for_you.page(session, settings, me.id, cursor(await params(request)),
                               client=f"token:{context.token.id}")
    matcher = await viewer_filters(request, session, context, "home")
    extras = {post_id: '"reason":' + rendered.to_json(reason.entity())
              for post_id, reason in found.reasons.items()}
    items = await rendered.statuses(session, kept, found.posts, me.id, (), matcher,
                                    extras=extras)
    await session.commit()
    return paged_json(request, Page(items, found.next_max_id, None))


@router.get("/timelines/for_you")
async def timeline(request: Request, context: TokenContext = Depends(scoped("read:statuses")),
                   session: AsyncSession = Depends(db_session),
                   settings: Settings = Depends(get_settings),
                   kept: rendered.RenderedStatuses = Depends(rendered_statuses)) -> Response:
    return await for_you_response(request, session, settings, context, kept)


async def _feedback(request: Request, context: TokenContext, session: AsyncSession,
                    undo: bool) -> JSONResponse:
    p = await params(request)
    kind = p.choice("kind", feedback.KINDS, "")
    post_id, author_id = p.id("status_id"), p.id("account_id")
    tag = p.optional_text("tag", max_len=100)
    me = account_of(context).id
    if undo:
        await feedback.undo(session, me, kind, post_id=post_id, author_id=author_id, tag=tag)
        await session.commit()
        return JSONResponse({})
    made = await feedback.give(session, me, kind, post_id=post_id, author_id=author_id,
                               tag=tag)
    await session.commit()
    return JSONResponse({
        "id": str(made.id), "kind": made.kind,
        "status_id": None if made.post_id is None else str(made.post_id),
        "account_id": None if made.author_id is None else str(made.author_id),
        "tag": (tag or "").strip().lstrip("#").lower() if made.tag_id else None})


@router.post("/salon/for_you/feedback")
async def give(request: Request, context: TokenContext = Depends(WRITE),
               session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return await _feedback(request, context, session, undo=False)


@router.delete("/salon/for_you/feedback")
async def take_back(request: Request, context: TokenContext = Depends(WRITE),
                    session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return await _feedback(request, context, session, undo=True)
