"""Filters as Mastodon's API has them (docs.joinmastodon.org/methods/filters): v2 filters with
their keywords and posts, and v1's keyword filters, derived from v2's as Mastodon derives
them (one per keyword). What matches where is salon/filters/matching.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon.deps import Params, account_of, params, path_id, scoped
from salon.filters import service as filters
from salon.filters.models import ACTIONS, FilterKeyword, FilterStatus
from salon.oauth.service import TokenContext
from salon.web.deps import db_session

router = APIRouter(prefix="/api")
READ = scoped("read:filters")
WRITE = scoped("write:filters")
MAX_EXPIRES_IN = 10 * 365 * 86400  # ten years, in seconds


def _keyword(row: FilterKeyword) -> dict[str, Any]:
    return {"id": str(row.id), "keyword": row.keyword, "whole_word": row.whole_word}


def _status(row: FilterStatus) -> dict[str, Any]:
    return {"id": str(row.id), "status_id": str(row.post_id)}


def _filter(view: filters.FilterView) -> dict[str, Any]:
    return filters.filter_entity(view.filter, view.keywords, view.statuses)


def _keyword_changes(p: Params) -> list[filters.KeywordChange]:
    """keywords_attributes[]: new keywords, changes (with an id) and removals (_destroy)."""
    return [filters.KeywordChange(id=item.id("id"),
                                  keyword=item.optional_text("keyword", max_len=200),
                                  whole_word=item.optional_flag("whole_word"),
                                  destroy=item.flag("_destroy"))
            for item in p.objects("keywords_attributes", max_count=filters.MAX_KEYWORDS)]


def _expires_in(p: Params) -> int | None:
    """Seconds from now; absent, empty or null: never."""
    return p.number("expires_in", 0, 1, MAX_EXPIRES_IN) or None


@router.get("/v2/filters")
async def index(context: TokenContext = Depends(READ),
                session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return JSONResponse([_filter(v) for v in
                         await filters.list_filters(session, account_of(context).id)])


@router.post("/v2/filters")
async def create(request: Request, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    made = await filters.create(
        session, account_of(context).id, p.text("title", max_len=200),
        p.texts("context", max_count=10, max_len=20),
        action=p.choice("filter_action", ACTIONS, "warn"), expires_in=_expires_in(p),
        keywords=_keyword_changes(p))
    await session.commit()
    return JSONResponse(_filter(made))


@router.get("/v2/filters/{filter_id}")
async def show(filter_id: str, context: TokenContext = Depends(READ),
               session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return JSONResponse(_filter(await filters.get(session, account_of(context).id,
                                                  path_id(filter_id))))


@router.put("/v2/filters/{filter_id}")
async def update(request: Request, filter_id: str, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    changed = await filters.change(
        session, account_of(context).id, path_id(filter_id),
        title=p.optional_text("title", max_len=200),
        contexts=p.texts("context", max_count=10, max_len=20) if "context" in p else None,
        action=p.choice("filter_action", ACTIONS, "warn") if p.given("filter_action") else None,
        expires_in=_expires_in(p) if "expires_in" in p else filters.KEEP,
        keywords=_keyword_changes(p))
    await session.commit()
    return JSONResponse(_filter(changed))


@router.delete("/v2/filters/{filter_id}")
async def destroy(filter_id: str, context: TokenContext = Depends(WRITE),
                  session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await filters.remove(session, account_of(context).id, path_id(filter_id))
    await session.commit()
    return JSONResponse({})


# Keywords.

@router.get("/v2/filters/{filter_id}/keywords")
async def keywords(filter_id: str, context: TokenContext = Depends(READ),
                   session: AsyncSession = Depends(db_session)) -> JSONResponse:
    found = await filters.get(session, account_of(context).id, path_id(filter_id))
    return JSONResponse([_keyword(k) for k in found.keywords])


@router.post("/v2/filters/{filter_id}/keywords")
async def add_keyword(request: Request, filter_id: str, context: TokenContext = Depends(WRITE),
                      session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    made = await filters.add_keyword(session, account_of(context).id, path_id(filter_id),
                                     p.text("keyword", max_len=200), p.flag("whole_word", True))
    await session.commit()
    return JSONResponse(_keyword(made))


@router.get("/v2/filters/keywords/{keyword_id}")
async def show_keyword(keyword_id: str, context: TokenContext = Depends(READ),
                       session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return JSONResponse(_keyword(await filters.keyword(session, account_of(context).id,
                                                       path_id(keyword_id))))


@router.put("/v2/filters/keywords/{keyword_id}")
async def update_keyword(request: Request, keyword_id: str,
                         context: TokenContext = Depends(WRITE),
                         session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    changed = await filters.change_keyword(session, account_of(context).id,
                                           path_id(keyword_id),
                                           p.optional_text("keyword", max_len=200),
                                           p.optional_flag("whole_word"))
    await session.commit()
    return JSONResponse(_keyword(changed))


@router.delete("/v2/filters/keywords/{keyword_id}")
async def destroy_keyword(keyword_id: str, context: TokenContext = Depends(WRITE),
                          session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await filters.remove_keyword(session, account_of(context).id, path_id(keyword_id))
    await session.commit()
    return JSONResponse({})


# Posts.

@router.get("/v2/filters/{filter_id}/statuses")
async def statuses(filter_id: str, context: TokenContext = Depends(READ),
                   session: AsyncSession = Depends(db_session)) -> JSONResponse:
    found = await filters.get(session, account_of(context).id, path_id(filter_id))
    return JSONResponse([_status(s) for s in found.statuses])


@router.post("/v2/filters/{filter_id}/statuses")
async def add_status(request: Request, filter_id: str, context: TokenContext = Depends(WRITE),
                     session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    post_id = p.id("status_id")
    if post_id is None:
        raise p.refuse("status_id", "the id of a status")
    made = await filters.add_status(session, account_of(context).id, path_id(filter_id),
                                    post_id)
    await session.commit()
    return JSONResponse(_status(made))


@router.get("/v2/filters/statuses/{status_id}")
async def show_status(status_id: str, context: TokenContext = Depends(READ),
                      session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return JSONResponse(_status(await filters.status(session, account_of(context).id,
                                                     path_id(status_id))))


@router.delete("/v2/filters/statuses/{status_id}")
async def destroy_status(status_id: str, context: TokenContext = Depends(WRITE),
                         session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await filters.remove_status(session, account_of(context).id, path_id(status_id))
    await session.commit()
    return JSONResponse({})


# v1: one keyword filter per keyword of the v2 filters, as Mastodon derives them.

def _v1(view: filters.FilterView, row: FilterKeyword) -> dict[str, Any]:
    entity = filters.filter_entity(view.filter)
    return {"id": str(row.id), "phrase": row.keyword, "context": entity["context"],
            "whole_word": row.whole_word, "expires_at": entity["expires_at"],
            "irreversible": view.filter.action == "hide"}


@router.get("/v1/filters")
async def index_v1(context: TokenContext = Depends(READ),
                   session: AsyncSession = Depends(db_session)) -> JSONResponse:
    found = await filters.list_filters(session, account_of(context).id)
    return JSONResponse([_v1(v, k) for v in found for k in v.keywords])


@router.get("/v1/filters/{keyword_id}")
async def show_v1(keyword_id: str, context: TokenContext = Depends(READ),
                  session: AsyncSession = Depends(db_session)) -> JSONResponse:
    me = account_of(context).id
    row = await filters.keyword(session, me, path_id(keyword_id))
    return JSONResponse(_v1(await filters.get(session, me, row.filter_id), row))
