"""Media uploads as Mastodon takes them (v1 and v2), and their descriptions and focus."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import entities
from salon.api.mastodon.deps import (
    ApiError,
    Params,
    account_of,
    base_url,
    params,
    path_id,
    scoped,
)
from salon.errors import TooLarge
from salon.generation import posting as generated
from salon.media import service as media
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter()


def _focus(p: Params) -> tuple[float, float] | None:
    raw = p.text("focus", max_len=100)
    if not raw:
        return None
    try:
        x, y = (float(v) for v in raw.split(","))
    except ValueError:
        raise ApiError(422, "focus must be two numbers between -1 and 1: x,y.") from None
    if not (-1 <= x <= 1 and -1 <= y <= 1):  # also refuses nan and inf
        raise ApiError(422, "focus must be two numbers between -1 and 1: x,y.")
    return x, y


async def _upload(request: Request, context: TokenContext, session: AsyncSession,
                  settings: Settings) -> dict[str, Any]:
    p = await params(request)
    file = p.file("file")
    if file is None:
        raise ApiError(422, "Send the image as the multipart field `file`.")
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise TooLarge(f"Images must be at most {settings.max_upload_bytes // 1_000_000} MB.")
    attachment = await media.upload(
        session, settings, request.app.state.store, account_of(context).id, data,
        file.filename or "upload", p.text("description", max_len=10_000, multiline=True),
        _focus(p),
    )
    await session.commit()
    return entities.media(attachment, base_url(settings)).model_dump(mode="json")


@router.post("/api/v2/media")
async def upload_v2(request: Request, context: TokenContext = Depends(scoped("write:media")),
                    session: AsyncSession = Depends(db_session),
                    settings: Settings = Depends(get_settings)) -> JSONResponse:
    # Processing is done by the time we answer, so 200 (Mastodon answers 202 while not).
    return JSONResponse(await _upload(request, context, session, settings))


@router.post("/api/v1/media")
async def upload_v1(request: Request, context: TokenContext = Depends(scoped("write:media")),
                    session: AsyncSession = Depends(db_session),
                    settings: Settings = Depends(get_settings)) -> JSONResponse:
    return JSONResponse(await _upload(request, context, session, settings))


@router.get("/api/v1/media/{media_id}")
async def show(media_id: str, context: TokenContext = Depends(scoped("write:media")),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    found = await media.get_own(session, account_of(context).id, path_id(media_id))
    return JSONResponse(entities.media(found, base_url(settings))
                        .model_dump(mode="json"))


@router.put("/api/v1/media/{media_id}")
async def update(request: Request, media_id: str,
                 context: TokenContext = Depends(scoped("write:media")),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    p = await params(request)
    me = account_of(context)
    found = await media.get_own(session, me.id, path_id(media_id))
    description = p.optional_text("description", max_len=10_000, multiline=True)
    updated = await media.update_description(
        session, me.id, found.id,
        found.description if description is None else description, _focus(p),
    )
    await session.commit()
    return JSONResponse(entities.media(updated, base_url(settings))
                        .model_dump(mode="json"))


@router.delete("/api/v1/media/{media_id}")
async def delete(media_id: str, context: TokenContext = Depends(scoped("write:media")),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    """An upload of one's own that no post (or scheduled post) uses, and its files: 200 {}
    (Mastodon 4.4); one in use 422, another's or unknown 404."""
    me = account_of(context)
    found = await media.get_own(session, me.id, path_id(media_id))
    if found.post_id is None and found.scheduled_id is None:
        copies = await generated.forget_media(session, found.id)
    else:
        copies = []
    await media.delete_unattached(session, me.id, found.id, copies)
    await session.commit()
    return JSONResponse({})
