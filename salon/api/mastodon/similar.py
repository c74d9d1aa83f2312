"""Salon's own: posts with pictures similar in meaning to a post (salon/meaning/similar.py),
for a "similar pictures" strip. A post the reader may not see is not found."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import render
from salon.api.mastodon.deps import base_url, params, path_id, token, viewer_filters, viewer_of
from salon.meaning.similar import LIMIT, similar_pictures
from salon.oauth.service import TokenContext
from salon.posts import reading
from salon.posts import service as posts
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1/salon")


@router.get("/statuses/{post_id}/similar")
async def similar(request: Request, post_id: str,
                  context: TokenContext | None = Depends(token("read:statuses")),
                  session: AsyncSession = Depends(db_session),
                  settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Up to `limit` (1 to 40, default 12) statuses, most similar first; [] while the post
    has no vector yet or embeddings are off."""
    p = await params(request)
    limit = p.number("limit", LIMIT, 1, 40, clamp=True)
    viewer_id = viewer_of(context)
    post = await posts.get_visible(session, path_id(post_id), viewer_id)
    found = await similar_pictures(session, settings, post, viewer_id, limit)
    return JSONResponse(await render.statuses(
        session, await reading.present(session, found, viewer_id), base_url(settings),
        viewer_id, await viewer_filters(request, session, context, "public")))
