"""Timelines (home, public, tag), bookmarks and favourites, paged as Mastodon pages them."""

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
    token,
    viewer_filters,
    viewer_of,
)
from salon.api.mastodon.paging import cursor, paged_json
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1")


READ = token("read:statuses")  # anyone may read; a token presented must allow reading


@router.get("/timelines/home")
async def home(request: Request, context: TokenContext = Depends(scoped("read:statuses")),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings),
               kept: rendered.RenderedStatuses = Depends(rendered_statuses)) -> Response:
    me = account_of(context)
    matcher = await viewer_filters(request, session, context, "home")
    page = await timelines.home(session, settings, me.id, cursor(await params(request)),
                                present=rendered.presenter(kept, matcher))
    return paged_json(request, page)


@router.get("/timelines/public")
async def public(request: Request, context: TokenContext | None = Depends(READ),
                 session: AsyncSession = Depends(db_session),
                 kept: rendered.RenderedStatuses = Depends(rendered_statuses)) -> Response:
    p = await params(request)
    viewer_id = viewer_of(context)
    if p.flag("remote"):  # no federation yet: nothing is remote
        return JSONResponse([])
    matcher = await viewer_filters(request, session, context, "public")
    page = await timelines.public(session, viewer_id, cursor(p),
                                  only_media=p.flag("only_media"),
                                  present=rendered.presenter(kept, matcher))
    return paged_json(request, page)


@router.get("/timelines/tag/{hashtag}")
async def tag(request: Request, hashtag: str,
              context: TokenContext | None = Depends(READ),
              session: AsyncSession = Depends(db_session),
              kept: rendered.RenderedStatuses = Depends(rendered_statuses)) -> Response:
    matcher = await viewer_filters(request, session, context, "public")
    page = await timelines.tag(session, hashtag, viewer_of(context), cursor(await params(request)),
                               present=rendered.presenter(kept, matcher))
    return paged_json(request, page)


@router.get("/bookmarks")
async def bookmarks(request: Request, context: TokenContext = Depends(scoped("read:bookmarks")),
                    session: AsyncSession = Depends(db_session),
                    kept: rendered.RenderedStatuses = Depends(rendered_statuses)) -> Response:
    matcher = await viewer_filters(request, session, context, None)
    page = await timelines.bookmarks(session, account_of(context).id,
                                     cursor(await params(request)),
                                     rendered.presenter(kept, matcher))
    return paged_json(request, page)


@router.get("/favourites")
async def favourites(request: Request,
                     context: TokenContext = Depends(scoped("read:favourites")),
                     session: AsyncSession = Depends(db_session),
                     kept: rendered.RenderedStatuses = Depends(rendered_statuses)) -> Response:
    matcher = await viewer_filters(request, session, context, None)
    page = await timelines.likes(session, account_of(context).id,
                                 cursor(await params(request)), rendered.presenter(kept, matcher))
    return paged_json(request, page)
