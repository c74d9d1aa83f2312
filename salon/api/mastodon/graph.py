"""The social graph beyond follow and block: follow requests to locked accounts, mutes with
a duration, private notes, removing a follower, endorsements, and removing one's avatar or
header (docs.joinmastodon.org/methods/accounts, follow_requests, endorsements, profile)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.api.mastodon import entities, render
from salon.api.mastodon.deps import account_of, base_url, params, path_id, scoped, token
from salon.api.mastodon.paging import cursor
from salon.graph import endorsements, requests
from salon.graph import service as graph
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1")


async def _target(session: AsyncSession, account_id: str) -> Account:
    return await accounts.get(session, path_id(account_id))


async def _answer(session: AsyncSession, me: Account, target_id: int) -> JSONResponse:
    """Commit, then the Relationship as it now stands."""
    await session.commit()
    found = await graph.relationship(session, me.id, target_id)
    return JSONResponse(entities.relationship(target_id, found).model_dump(mode="json"))


# --- follow requests ------------------------------------------------------------------------


@router.get("/follow_requests")
async def follow_requests(request: Request,
                          context: TokenContext = Depends(scoped("read:follows")),
                          session: AsyncSession = Depends(db_session),
                          settings: Settings = Depends(get_settings)) -> JSONResponse:
    page_cursor = cursor(await params(request), 40, 80)
    rows = await requests.pending(session, account_of(context).id, max_id=page_cursor.max_id,
                                  since_id=page_cursor.since_id or page_cursor.min_id,
                                  limit=page_cursor.limit)
    return await render.account_page(request, session, base_url(settings), rows,
                                     page_cursor.limit)


@router.post("/follow_requests/{account_id}/authorize")
async def authorize(account_id: str, context: TokenContext = Depends(scoped("write:follows")),
                    session: AsyncSession = Depends(db_session)) -> JSONResponse:
    me = account_of(context)
    await requests.authorize(session, me.id, path_id(account_id))
    return await _answer(session, me, path_id(account_id))


@router.post("/follow_requests/{account_id}/reject")
async def reject(account_id: str, context: TokenContext = Depends(scoped("write:follows")),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    me = account_of(context)
    await requests.reject(session, me.id, path_id(account_id))
    return await _answer(session, me, path_id(account_id))


@router.post("/accounts/{account_id}/remove_from_followers")
async def remove_from_followers(account_id: str,
                                context: TokenContext = Depends(scoped("write:follows")),
                                session: AsyncSession = Depends(db_session)) -> JSONResponse:
    me = account_of(context)
    target = await _target(session, account_id)
    await requests.remove_from_followers(session, me.id, target.id)
    return await _answer(session, me, target.id)


# --- mute, note -----------------------------------------------------------------------------


@router.post("/accounts/{account_id}/mute")
async def mute(request: Request, account_id: str,
               context: TokenContext = Depends(scoped("write:mutes")),
               session: AsyncSession = Depends(db_session)) -> JSONResponse:
    """`notifications` (default true): hide their notifications too; `duration` seconds
    (0, the default: until unmuted)."""
    p = await params(request)
    me = account_of(context)
    target = await _target(session, account_id)
    await graph.mute(session, me.id, target.id, notifications=p.flag("notifications", True),
                     duration=p.number("duration", 0, 0, graph.MUTE_MAX_SECONDS))
    return await _answer(session, me, target.id)


@router.post("/accounts/{account_id}/note")
async def note(request: Request, account_id: str,
               context: TokenContext = Depends(scoped("write:accounts")),
               session: AsyncSession = Depends(db_session)) -> JSONResponse:
    """A private note about the account (empty or absent: none), seen only by its author."""
    p = await params(request)
    comment = p.text("comment", max_len=graph.NOTE_MAX, multiline=True)
    me = account_of(context)
    target = await _target(session, account_id)
    await endorsements.set_note(session, me.id, target.id, comment)
    return await _answer(session, me, target.id)


# --- endorsements ---------------------------------------------------------------------------


async def _endorse(session: AsyncSession, context: TokenContext, account_id: str,
                   on: bool) -> JSONResponse:
    me = account_of(context)
    target = await _target(session, account_id)
    await (endorsements.endorse if on else endorsements.unendorse)(session, me.id, target.id)
    return await _answer(session, me, target.id)


# Mastodon 4.4 names them endorse/unendorse; pin/unpin stay for older apps.
for _path, _on in (("pin", True), ("endorse", True), ("unpin", False), ("unendorse", False)):
    def _make(on: bool, name: str) -> None:
        async def endpoint(account_id: str,
                           context: TokenContext = Depends(scoped("write:accounts")),
                           session: AsyncSession = Depends(db_session)) -> JSONResponse:
            return await _endorse(session, context, account_id, on)

        endpoint.__name__ = name
        router.add_api_route(f"/accounts/{{account_id}}/{name}", endpoint, methods=["POST"])

    _make(_on, _path)


async def _featured(request: Request, session: AsyncSession, settings: Settings,
                    account_id: int) -> JSONResponse:
    page_cursor = cursor(await params(request), 40, 80)
    rows = await endorsements.endorsed(session, account_id, max_id=page_cursor.max_id,
                                       since_id=page_cursor.since_id or page_cursor.min_id,
                                       limit=page_cursor.limit)
    return await render.account_page(request, session, base_url(settings), rows,
                                     page_cursor.limit)


@router.get("/endorsements")
async def my_endorsements(request: Request,
                          context: TokenContext = Depends(scoped("read:accounts")),
                          session: AsyncSession = Depends(db_session),
                          settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _featured(request, session, settings, account_of(context).id)


@router.get("/accounts/{account_id}/endorsements")
async def account_endorsements(request: Request, account_id: str,
                               context: TokenContext | None = Depends(token("read:accounts")),
                               session: AsyncSession = Depends(db_session),
                               settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Whom an account features (Mastodon 4.4); anyone may read it."""
    found = await _target(session, account_id)
    return await _featured(request, session, settings, found.id)


# --- avatar and header removal --------------------------------------------------------------


async def _remove_image(request: Request, context: TokenContext, session: AsyncSession,
                        settings: Settings, which: str) -> JSONResponse:
    me = account_of(context)
    accounts.replace_picture(session, me, which, None)
    await session.commit()
    count = await requests.count(session, me.id)
    return JSONResponse(entities.credential_account(me, base_url(settings), count)
                        .model_dump(mode="json"))


@router.delete("/profile/avatar")
async def remove_avatar(request: Request, context: TokenContext = Depends(scoped("write:accounts")),
                        session: AsyncSession = Depends(db_session),
                        settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _remove_image(request, context, session, settings, "avatar")


@router.delete("/profile/header")
async def remove_header(request: Request, context: TokenContext = Depends(scoped("write:accounts")),
                        session: AsyncSession = Depends(db_session),
                        settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _remove_image(request, context, session, settings, "header")
