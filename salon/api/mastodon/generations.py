"""Salon's generation API: ask for pictures, follow them, cancel; and the remixes of a status.
Posting a picked candidate is the ordinary POST /api/v1/statuses with its id in media_ids."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import render
from salon.api.mastodon.deps import (
    account_of,
    base_url,
    params,
    path_id,
    scoped,
    token,
    viewer_filters,
    viewer_of,
)
from salon.api.mastodon.entities.salon import generation as generation_entity
from salon.api.mastodon.paging import cursor, paged
from salon.generation import posting
from salon.generation import service as generation
from salon.generation.models import Generation
from salon.generation.schemas import GenerationSpec
from salon.oauth.service import TokenContext
from salon.posts import reading
from salon.settings import Settings
from salon.timelines.schemas import Page
from salon.web.deps import db_session, get_settings, wake_worker

router = APIRouter(prefix="/api/v1/salon")


async def rendered(session: AsyncSession, rows: list[Generation], base: str
                   ) -> list[dict[str, Any]]:
    found = await generation.candidates(session, [g.id for g in rows])
    return [generation_entity(g, found[g.id], base).model_dump(mode="json") for g in rows]


@router.post("/generations", status_code=202)
async def create(request: Request, context: TokenContext = Depends(scoped("write:media")),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    spec = GenerationSpec.from_fields(await params(request))
    made = await generation.request(session, settings, account_of(context), spec)
    await session.commit()
    wake_worker(request)
    return JSONResponse((await rendered(session, [made], base_url(settings)))[0], 202)


@router.get("/generations")
async def index(request: Request, context: TokenContext = Depends(scoped("read:statuses")),
                session: AsyncSession = Depends(db_session),
                settings: Settings = Depends(get_settings)) -> JSONResponse:
    paging = cursor(await params(request), 20, 40)
    rows = await generation.list_own(session, account_of(context).id, paging)
    body = await rendered(session, rows, base_url(settings))
    return paged(request, body, Page.of(body, [g.id for g in rows], paging))


@router.get("/generations/{generation_id}")
async def show(generation_id: str, context: TokenContext = Depends(scoped("read:statuses")),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    made = await generation.get_own(session, account_of(context).id, path_id(generation_id))
    return JSONResponse((await rendered(session, [made], base_url(settings)))[0])


@router.delete("/generations/{generation_id}")
async def cancel(generation_id: str, context: TokenContext = Depends(scoped("write:media")),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    made = await generation.cancel(session, account_of(context), path_id(generation_id))
    await session.commit()
    return JSONResponse((await rendered(session, [made], base_url(settings)))[0])


@router.get("/statuses/{status_id}/remixes")
async def remixes(request: Request, status_id: str,
                  context: TokenContext | None = Depends(token("read:statuses")),
                  session: AsyncSession = Depends(db_session),
                  settings: Settings = Depends(get_settings)) -> JSONResponse:
    viewer_id = viewer_of(context)
    paging = cursor(await params(request))
    rows = await posting.remixes(session, path_id(status_id), viewer_id, paging)
    views = await reading.present(session, rows, viewer_id)
    body = await render.statuses(session, views, base_url(settings), viewer_id,
                                 await viewer_filters(request, session, context, None))
    return paged(request, body, Page.of(body, [p.id for p in rows], paging))

