"""What Mastodon apps ask for on start-up beyond the core: lists of blocked and muted
accounts, the signed-in person's preferences, and empty answers for what Salon does not
have yet (custom emoji, announcements, domain blocks), so apps load without errors."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import entities, render
from salon.api.mastodon.deps import account_of, base_url, params, scoped
from salon.api.mastodon.paging import cursor
from salon.graph import service as graph
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api")
# Features Salon does not have yet; each answers as Mastodon does for someone without any.
EMPTY_LISTS = {
    "/v1/custom_emojis": None, "/v1/announcements": None, "/v1/domain_blocks": "read:blocks",
}


def _empty(path: str, scope: str | None) -> None:
    if scope is None:
        async def anyone() -> JSONResponse:
            return JSONResponse([])

        router.add_api_route(path, anyone, methods=["GET"], name=path)
        return

    async def signed_in(context: TokenContext = Depends(scoped(scope))) -> JSONResponse:
        return JSONResponse([])

    router.add_api_route(path, signed_in, methods=["GET"], name=path)


for _path, _scope in EMPTY_LISTS.items():
    _empty(_path, _scope)


async def _people(request: Request, session: AsyncSession, settings: Settings,
                  account_id: int, muted: bool) -> JSONResponse:
    page_cursor = cursor(await params(request), 40, 80)
    rows = await graph.list_blocked_or_muted(session, account_id, muted=muted,
                                             max_id=page_cursor.max_id,
                                             limit=page_cursor.limit)
    base = base_url(settings)
    if not muted:
        return await render.account_page(request, session, base, rows, page_cursor.limit)
    ends = await graph.mute_ends(session, account_id, [a for _, a in rows])
    return await render.account_page(
        request, session, base, rows, page_cursor.limit,
        lambda acc: entities.muted_account(acc, base, ends.get(acc.id)))


@router.get("/v1/blocks")
async def blocks(request: Request, context: TokenContext = Depends(scoped("read:blocks")),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _people(request, session, settings, account_of(context).id, muted=False)


@router.get("/v1/mutes")
async def mutes(request: Request, context: TokenContext = Depends(scoped("read:mutes")),
                session: AsyncSession = Depends(db_session),
                settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _people(request, session, settings, account_of(context).id, muted=True)


@router.get("/v1/preferences")
async def preferences(context: TokenContext = Depends(scoped("read:accounts"))
                      ) -> JSONResponse:
    return JSONResponse({
        "posting:default:visibility": "public", "posting:default:sensitive": False,
        "posting:default:language": None, "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })
