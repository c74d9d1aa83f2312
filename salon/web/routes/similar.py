"""Similar pictures under a generated post: a small grid of thumbnails of public posts
nearest in meaning (salon/meaning/similar.py), fetched by HTMX once the section scrolls
into view, or as a page of its own without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.meaning.similar import similar_pictures
from salon.posts import reading
from salon.posts import service as posts
from salon.settings import Settings
from salon.web.deps import Viewer, db_session, get_settings, viewer
from salon.web.render import is_htmx, page
from salon.web.routes.common import frame

router = APIRouter()


@router.get("/posts/{post_id:int}/similar")
async def similar(
    request: Request,
    post_id: int,
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    post = await posts.get_visible(session, post_id, current.id)
    found = await similar_pictures(session, settings, post, current.id)
    views = [v for v in await reading.present(session, found, current.id) if v.media]
    ctx = {"similar": views, "post": post}
    if is_htmx(request):
        return page(request, "partials/similar.html", ctx)
    author = (await reading.present(session, [post], current.id))[0].author
    return page(request, "similar.html", {
        **ctx, "title": "Similar pictures", "author": author, **await frame(session, current)})
