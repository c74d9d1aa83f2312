"""Timelines and lists: home, public, tags, bookmarks, notifications, search."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.meaning import search as meaning_search
from salon.notifications import service as notifications
from salon.posts import reading
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.web.deps import Viewer, db_session, get_settings, require_account, viewer
from salon.web.render import is_htmx, page
from salon.web.routes.common import cursor, feed_page, frame
from salon.web.tabs import feed_tabs

router = APIRouter()


@router.get("/")
async def index(current: Viewer = Depends(viewer)) -> Response:
    """A signed-in person's start tab (Home, or For you by their choice); else Latest."""
    if current.account is None:
        return RedirectResponse("/public", status_code=303)
    start = "/for-you" if current.account.start_tab == "for_you" else "/home"
    return RedirectResponse(start, status_code=303)


@router.get("/favicon.ico")
async def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/home")
async def home(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    feed = await timelines.home(session, settings, me.id, cursor(request))
    return await feed_page(
        request, session, current, feed, "home.html",
        {"title": "Home", "compose": True, "tabs": await feed_tabs(session, me)},
        where="home",
    )


@router.get("/public")
async def public(
    request: Request,
    media: bool = False,
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    feed = await timelines.public(session, current.id, cursor(request), only_media=media)
    return await feed_page(
        request, session, current, feed, "public.html", {"title": "Latest", "only_media": media},
        where="public",
    )


@router.get("/tags/{name}")
async def tag(
    request: Request,
    name: str,
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    feed = await timelines.tag(session, name, current.id, cursor(request))
    return await feed_page(
        request, session, current, feed, "tag.html", {"title": f"#{name}", "tag": name},
        where="public",
    )


@router.get("/bookmarks")
async def bookmarks(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    feed = await timelines.bookmarks(session, me.id, cursor(request))
    return await feed_page(
        request,
        session,
        current,
        feed,
        "list.html",
        {"title": "Bookmarks", "empty": "Bookmark posts to find them here."},
    )


@router.get("/notifications")
async def notifications_page(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    page_ = await notifications.page(session, me.id, cursor(request))
    if page_.items and not request.query_params.get("max_id"):
        await notifications.mark_read(session, me.id, page_.items[0].id)
        await session.commit()
    ctx = {"title": "Notifications", "notes": page_}
    if is_htmx(request):
        return page(request, "partials/notification_items.html", ctx)
    return page(request, "notifications.html", {**ctx, **await frame(session, current)})


SEARCH_PAGE = 20  # posts per page of search results


@router.get("/search")
async def search_page(
    request: Request,
    q: str = "",
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    q = q.strip()[:200]
    # Posts by words and meaning, best first (docs/search.md), paged by position in the
    # bounded ranking; a bad `offset` starts from the top.
    raw = request.query_params.get("offset", "")
    offset = min(int(raw), 10_000) if raw.isdigit() and len(raw) < 9 else 0
    found_accounts = await accounts.search(session, q, limit=8) if q else []
    tags = await timelines.search_tags(session, q, limit=8) if q else []
    posts = await meaning_search.statuses(session, settings, q, current.id, offset=offset,
                                          limit=SEARCH_PAGE) if q else []
    views = await reading.present(session, posts, current.id)
    return page(
        request,
        "search.html",
        {
            "title": f"Search: {q}" if q else "Search",
            "q": q,
            "accounts": found_accounts,
            "tags": tags,
            "posts": views,
            "offset": offset,
            "more": offset + SEARCH_PAGE if len(posts) == SEARCH_PAGE else None,
            **await frame(session, current),
        },
    )
