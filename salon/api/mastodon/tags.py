"""Hashtags: a tag with its history, following it (its public posts enter home), and the
tags featured on profiles (docs.joinmastodon.org/methods/tags, featured_tags,
followed_tags)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.api.mastodon import entities
from salon.api.mastodon.deps import (
    ApiError,
    account_of,
    base_url,
    params,
    path_id,
    scoped,
    token,
    viewer_of,
)
from salon.api.mastodon.paging import cursor, paged
from salon.oauth.service import TokenContext
from salon.posts.models import Tag
from salon.settings import Settings
from salon.tags import service as tags
from salon.timelines.schemas import Page
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1")


def _key(name: str) -> str:
    """A tag name from the path; one that cannot be a hashtag is not found, as Mastodon."""
    found = tags.key(name)
    if found is None:
        raise ApiError(404, "Record not found")
    return found


async def _tag_json(session: AsyncSession, settings: Settings, name: str, tag: Tag | None,
                    viewer_id: int | None) -> dict[str, Any]:
    """The Tag entity: history always (seven days, zeros for an unused tag, as Mastodon);
    `following` and `featuring` for a signed-in viewer."""
    following = featuring = None
    if tag is None:
        history = tags.empty_history()
        if viewer_id is not None:
            following = featuring = False
    else:
        history = (await tags.history(session, [tag.id]))[tag.id]
        if viewer_id is not None:
            following = tag.id in await tags.followed(session, viewer_id, [tag.id])
            featuring = tag.id in await tags.featuring(session, viewer_id, [tag.id])
    entity = entities.tag(name, base_url(settings), history, following)
    body = entity.model_dump(mode="json")
    if tag is not None:
        body["id"] = str(tag.id)
    if featuring is not None:
        body["featuring"] = featuring
    return body


@router.get("/tags/{name}")
async def show(name: str, context: TokenContext | None = Depends(token("read:follows")),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    tag_key = _key(name)
    tag = await tags.find(session, tag_key)
    shown = tag.display_name if tag is not None else name.removeprefix("#")
    return JSONResponse(await _tag_json(session, settings, shown, tag, viewer_of(context)))


async def _act(name: str, context: TokenContext, session: AsyncSession, settings: Settings,
               action: str) -> JSONResponse:
    me = account_of(context)
    tag_key = _key(name)
    if action in ("follow", "feature"):
        tag: Tag | None = await tags.ensure(session, tag_key)
        assert tag is not None
        if action == "follow":
            await tags.follow(session, me.id, tag_key)
        else:
            await tags.feature(session, me.id, tag_key)
    else:
        tag = await tags.find(session, tag_key)
        if tag is not None:
            if action == "unfollow":
                await tags.unfollow(session, me.id, tag.id)
            else:
                await tags.unfeature_tag(session, me.id, tag.id)
    await session.commit()
    shown = tag.display_name if tag is not None else name.removeprefix("#")
    return JSONResponse(await _tag_json(session, settings, shown, tag, me.id))


@router.post("/tags/{name}/follow")
async def follow(name: str, context: TokenContext = Depends(scoped("write:follows")),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _act(name, context, session, settings, "follow")


@router.post("/tags/{name}/unfollow")
async def unfollow(name: str, context: TokenContext = Depends(scoped("write:follows")),
                   session: AsyncSession = Depends(db_session),
                   settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _act(name, context, session, settings, "unfollow")


@router.post("/tags/{name}/feature")
async def feature_tag(name: str, context: TokenContext = Depends(scoped("write:accounts")),
                      session: AsyncSession = Depends(db_session),
                      settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _act(name, context, session, settings, "feature")


@router.post("/tags/{name}/unfeature")
async def unfeature_tag(name: str, context: TokenContext = Depends(scoped("write:accounts")),
                        session: AsyncSession = Depends(db_session),
                        settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _act(name, context, session, settings, "unfeature")


@router.get("/followed_tags")
async def followed_tags(request: Request, context: TokenContext = Depends(scoped("read:follows")),
                        session: AsyncSession = Depends(db_session),
                        settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    page_cursor = cursor(await params(request), 100, 200)
    rows = await tags.followed_page(session, me.id, page_cursor)
    histories = await tags.history(session, [t.id for _, t in rows])
    base = base_url(settings)
    body = [entities.tag(t.display_name, base, histories[t.id], True).model_dump(mode="json")
            for _, t in rows]
    return paged(request, body, Page.of(body, [i for i, _ in rows], page_cursor))


# Featured tags.

def _featured_json(found: tags.Featured, username: str, base: str) -> dict[str, Any]:
    name = found.name
    return {
        "id": str(found.id), "name": name,
        "url": f"{base}/@{username}/tagged/{name.lower()}",
        "statuses_count": found.statuses_count,
        "last_status_at": entities.timestamp(found.last_status_at)
        if found.last_status_at is not None else None,
    }


async def _featured_list(session: AsyncSession, settings: Settings, account_id: int
                         ) -> list[dict[str, Any]]:
    owner = await accounts.get(session, account_id)
    found = await tags.featured(session, account_id)
    return [_featured_json(f, owner.username, base_url(settings)) for f in found]


@router.get("/featured_tags")
async def featured_tags(context: TokenContext = Depends(scoped("read:accounts")),
                        session: AsyncSession = Depends(db_session),
                        settings: Settings = Depends(get_settings)) -> JSONResponse:
    return JSONResponse(await _featured_list(session, settings, account_of(context).id))


@router.post("/featured_tags")
async def add_featured_tag(request: Request,
                           context: TokenContext = Depends(scoped("write:accounts")),
                           session: AsyncSession = Depends(db_session),
                           settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    p = await params(request)
    name = p.text("name", max_len=200).strip()
    if not name:
        raise p.refuse("name", "a hashtag")
    featured_id = await tags.feature(session, me.id, name)
    await session.commit()
    made = [f for f in await tags.featured(session, me.id) if f.id == featured_id]
    return JSONResponse(_featured_json(made[0], me.username, base_url(settings)))


@router.delete("/featured_tags/{featured_id}")
async def remove_featured_tag(featured_id: str,
                              context: TokenContext = Depends(scoped("write:accounts")),
                              session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await tags.unfeature(session, account_of(context).id, path_id(featured_id))
    await session.commit()
    return JSONResponse({})


@router.get("/featured_tags/suggestions")
async def featured_tag_suggestions(context: TokenContext = Depends(scoped("read:accounts")),
                                   session: AsyncSession = Depends(db_session),
                                   settings: Settings = Depends(get_settings)) -> JSONResponse:
    found = await tags.suggestions(session, account_of(context).id)
    histories = await tags.history(session, [t.id for t in found])
    base = base_url(settings)
    return JSONResponse([entities.tag(t.display_name, base, histories[t.id])
                         .model_dump(mode="json") for t in found])


@router.get("/accounts/{account_id}/featured_tags")
async def account_featured_tags(account_id: str,
                                context: TokenContext | None = Depends(token("read:accounts")),
                                session: AsyncSession = Depends(db_session),
                                settings: Settings = Depends(get_settings)) -> JSONResponse:
    owner = await accounts.get(session, path_id(account_id))
    if owner.suspended_at is not None:
        return JSONResponse([])
    return JSONResponse(await _featured_list(session, settings, owner.id))
