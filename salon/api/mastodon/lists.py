"""Lists, as Mastodon's /api/v1/lists: the signed-in person's lists, their members, the
lists that hold an account, and a list's timeline. A list is its owner's alone: anyone
else's answers 404, as one that does not exist."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.api.mastodon import render, rendered
from salon.api.mastodon.deps import (
    Params,
    account_of,
    base_url,
    params,
    path_id,
    rendered_statuses,
    scoped,
)
from salon.api.mastodon.paging import cursor, paged_json
from salon.lists import service as lists
from salon.lists.models import AccountList
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1")
READ, WRITE = scoped("read:lists"), scoped("write:lists")


def entity(found: AccountList) -> dict[str, Any]:
    """Mastodon's List entity."""
    return {"id": str(found.id), "title": found.title,
            "replies_policy": found.replies_policy, "exclusive": found.exclusive}


def _settings(p: Params) -> dict[str, Any]:
    """What a create or an update may set; what is not sent stays as it is."""
    return {
        "replies_policy": (p.choice("replies_policy", lists.POLICIES, "list")
                           if p.given("replies_policy") else None),
        "exclusive": p.optional_flag("exclusive"),
    }


@router.get("/lists")
async def index(context: TokenContext = Depends(READ),
                session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return JSONResponse([entity(found) for found in
                         await lists.owned(session, account_of(context).id)])


@router.post("/lists")
async def create(request: Request, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    title = p.text("title", max_len=lists.TITLE_MAX)
    chosen = _settings(p)
    made = await lists.create(session, account_of(context).id, title,
                              replies_policy=chosen["replies_policy"] or "list",
                              exclusive=bool(chosen["exclusive"]))
    await session.commit()
    return JSONResponse(entity(made))


@router.get("/lists/{list_id}")
async def show(list_id: str, context: TokenContext = Depends(READ),
               session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return JSONResponse(entity(await lists.get_own(session, account_of(context).id,
                                                   path_id(list_id))))


@router.put("/lists/{list_id}")
async def change(request: Request, list_id: str, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    wanted = path_id(list_id)
    title = p.optional_text("title", max_len=lists.TITLE_MAX)
    found = await lists.update(session, account_of(context).id, wanted, title=title,
                               **_settings(p))
    await session.commit()
    return JSONResponse(entity(found))


@router.delete("/lists/{list_id}")
async def delete(list_id: str, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await lists.remove(session, account_of(context).id, path_id(list_id))
    await session.commit()
    return JSONResponse({})


@router.get("/lists/{list_id}/accounts")
async def members(request: Request, list_id: str, context: TokenContext = Depends(READ),
                  session: AsyncSession = Depends(db_session),
                  settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Members, newest first, 40 a page (at most 80); limit=0, as Mastodon, gives all."""
    p = await params(request)
    wanted = path_id(list_id)
    limit = p.number("limit", 40, 0, 80, clamp=True)
    rows = await lists.members(session, account_of(context).id, wanted,
                               max_id=p.id("max_id"), limit=limit or None)
    return await render.account_page(request, session, base_url(settings), rows,
                                     limit or len(rows) + 1)


@router.post("/lists/{list_id}/accounts")
async def add(request: Request, list_id: str, context: TokenContext = Depends(WRITE),
              session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    wanted = path_id(list_id)
    await lists.add(session, account_of(context).id, wanted,
                    p.ids("account_ids", max_count=lists.MEMBERS_PER_LIST))
    await session.commit()
    return JSONResponse({})


@router.delete("/lists/{list_id}/accounts")
async def take_out(request: Request, list_id: str, context: TokenContext = Depends(WRITE),
                   session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    wanted = path_id(list_id)
    await lists.take_out(session, account_of(context).id, wanted,
                         p.ids("account_ids", max_count=lists.MEMBERS_PER_LIST))
    await session.commit()
    return JSONResponse({})


@router.get("/accounts/{account_id}/lists")
async def holding(account_id: str, context: TokenContext = Depends(READ),
                  session: AsyncSession = Depends(db_session)) -> JSONResponse:
    """The signed-in person's lists that hold this account."""
    found = await accounts.get(session, path_id(account_id))
    return JSONResponse([entity(each) for each in
                         await lists.with_member(session, account_of(context).id, found.id)])


@router.get("/timelines/list/{list_id}")
async def timeline(request: Request, list_id: str, context: TokenContext = Depends(READ),
                   session: AsyncSession = Depends(db_session),
                   kept: rendered.RenderedStatuses = Depends(rendered_statuses)) -> Response:
    wanted = path_id(list_id)
    page = await lists.timeline(session, account_of(context).id, wanted,
                                cursor(await params(request)), rendered.presenter(kept))
    return paged_json(request, page)
