"""Lists, as Mastodon's /api/v1/lists: the signed-in person's lists, their members, the
lists that hold an account, and a list's timeline. A list is its owner's alone: anyone
else's answers 404, as one that does not exist.

So that Mastodon apps show Salon's feeds, the lists also hold a built-in "For you" (id 1,
For You's ranked timeline) and the person's own and followed feeds from a sentence (their
ids): they read as lists, and changing them here is refused (they change in Salon)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.api.mastodon import for_you, render, rendered, sentence_feeds
from salon.api.mastodon.deps import (
    ApiError,
    Params,
    account_of,
    base_url,
    params,
    path_id,
    rendered_statuses,
    scoped,
)
from salon.api.mastodon.paging import cursor, paged_json
from salon.feeds import sentences
from salon.feeds.models import SentenceFeed
from salon.lists import service as lists
from salon.lists.models import AccountList
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1")
READ, WRITE = scoped("read:lists"), scoped("write:lists")
FOR_YOU_ID = 1  # no list or feed has it: ids are time-ordered 64-bit numbers
FOR_YOU = {"id": str(FOR_YOU_ID), "title": "For you", "replies_policy": "none",
           "exclusive": False}


def entity(found: AccountList | SentenceFeed) -> dict[str, Any]:
    """Mastodon's List entity (a feed from a sentence has no replies policy: none)."""
    if isinstance(found, SentenceFeed):
        return {"id": str(found.id), "title": found.title, "replies_policy": "none",
                "exclusive": False}
    return {"id": str(found.id), "title": found.title,
            "replies_policy": found.replies_policy, "exclusive": found.exclusive}


async def _salon_list(session: AsyncSession, owner_id: int, list_id: int
                      ) -> dict[str, Any] | SentenceFeed | None:
    """For you, or one of the person's own or followed feeds from a sentence; None for
    anything else (a list of theirs, or nothing)."""
    if list_id == FOR_YOU_ID:
        return FOR_YOU
    return await sentences.in_reading_list(session, owner_id, list_id)


async def _refuse_salon_list(session: AsyncSession, owner_id: int, list_id: int) -> None:
    """Changes to For you or a feed from a sentence are made in Salon, not as a list's."""
    found = await _salon_list(session, owner_id, list_id)
    if found is None:
        return
    if isinstance(found, SentenceFeed):
        raise ApiError(422, "This list is a feed from a sentence: edit it in Salon "
                            f"(/feeds/{found.id}).")
    raise ApiError(422, "This list is built in: For you is ranked by Salon and cannot be "
                        "changed here.")


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
    me = account_of(context).id
    return JSONResponse([FOR_YOU, *(entity(found) for found in await lists.owned(session, me)),
                         *(entity(feed) for feed in await sentences.reading_list(session, me))])


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
    me, wanted = account_of(context).id, path_id(list_id)
    found = await _salon_list(session, me, wanted)
    if isinstance(found, dict):
        return JSONResponse(found)
    return JSONResponse(entity(found or await lists.get_own(session, me, wanted)))


@router.put("/lists/{list_id}")
async def change(request: Request, list_id: str, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    wanted = path_id(list_id)
    await _refuse_salon_list(session, account_of(context).id, wanted)
    title = p.optional_text("title", max_len=lists.TITLE_MAX)
    found = await lists.update(session, account_of(context).id, wanted, title=title,
                               **_settings(p))
    await session.commit()
    return JSONResponse(entity(found))


@router.delete("/lists/{list_id}")
async def delete(list_id: str, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    wanted = path_id(list_id)
    await _refuse_salon_list(session, account_of(context).id, wanted)
    await lists.remove(session, account_of(context).id, wanted)
    await session.commit()
    return JSONResponse({})


@router.get("/lists/{list_id}/accounts")
async def members(request: Request, list_id: str, context: TokenContext = Depends(READ),
                  session: AsyncSession = Depends(db_session),
                  settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Members, newest first, 40 a page (at most 80); limit=0, as Mastodon, gives all.
    For you and feeds from a sentence have none: apps that open them as lists see []."""
    p = await params(request)
    wanted = path_id(list_id)
    limit = p.number("limit", 40, 0, 80, clamp=True)
    if await _salon_list(session, account_of(context).id, wanted) is not None:
        return JSONResponse([])
    rows = await lists.members(session, account_of(context).id, wanted,
                               max_id=p.id("max_id"), limit=limit or None)
    return await render.account_page(request, session, base_url(settings), rows,
                                     limit or len(rows) + 1)


@router.post("/lists/{list_id}/accounts")
async def add(request: Request, list_id: str, context: TokenContext = Depends(WRITE),
              session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    wanted = path_id(list_id)
    await _refuse_salon_list(session, account_of(context).id, wanted)
    await lists.add(session, account_of(context).id, wanted,
                    p.ids("account_ids", max_count=lists.MEMBERS_PER_LIST))
    await session.commit()
    return JSONResponse({})


@router.delete("/lists/{list_id}/accounts")
async def take_out(request: Request, list_id: str, context: TokenContext = Depends(WRITE),
                   session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    wanted = path_id(list_id)
    await _refuse_salon_list(session, account_of(context).id, wanted)
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
                   settings: Settings = Depends(get_settings),
                   kept: rendered.RenderedStatuses = Depends(rendered_statuses)) -> Response:
    wanted = path_id(list_id)
    found = await _salon_list(session, account_of(context).id, wanted)
    if isinstance(found, SentenceFeed):
        return await sentence_feeds.timeline_response(request, session, settings, context,
                                                      kept, found)
    if found is not None:
        return await for_you.for_you_response(request, session, settings, context, kept)
    page = await lists.timeline(session, account_of(context).id, wanted,
                                cursor(await params(request)), rendered.presenter(kept))
    return paged_json(request, page)
