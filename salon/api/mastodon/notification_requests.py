"""The notification policy (v2 and v1 shapes) and notification requests: the notifications an
account's policy kept aside, one request per sender, to accept or dismiss. Its router is
tried before the notification lists', whose `/{id}` would take `requests` or `policy`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import entities, rendered
from salon.api.mastodon.deps import (
    ApiError,
    account_of,
    params,
    path_id,
    rendered_statuses,
    scoped,
)
from salon.api.mastodon.paging import cursor, paged_json
from salon.api.mastodon.rendered import RenderedStatuses, to_json
from salon.notifications import policy
from salon.notifications.models import POLICY_ANSWERS, NotificationPolicy
from salon.notifications.policy import RequestView
from salon.oauth.service import TokenContext
from salon.timelines.schemas import Page
from salon.web.deps import db_session

router = APIRouter(prefix="/api")
READ = scoped("read:notifications")
WRITE = scoped("write:notifications")
# The v1 policy's booleans, and the v2 fields they stand for.
V1 = {"filter_not_following": "for_not_following", "filter_not_followers": "for_not_followers",
      "filter_new_accounts": "for_new_accounts", "filter_private_mentions": "for_private_mentions"}


async def _policy_v2(session: AsyncSession, found: NotificationPolicy) -> JSONResponse:
    body: dict[str, object] = {f: getattr(found, f) for f in policy.FIELDS}
    body["summary"] = await policy.summary(session, found.account_id)
    return JSONResponse(body)


async def _policy_v1(session: AsyncSession, found: NotificationPolicy) -> JSONResponse:
    body: dict[str, object] = {k: getattr(found, f) != "accept" for k, f in V1.items()}
    body["summary"] = await policy.summary(session, found.account_id)
    return JSONResponse(body)


@router.get("/v2/notifications/policy")
async def get_policy(context: TokenContext = Depends(READ),
                     session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return await _policy_v2(session, await policy.get(session, account_of(context).id))


@router.patch("/v2/notifications/policy")
async def update_policy(request: Request, context: TokenContext = Depends(WRITE),
                        session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    changes = {f: p.choice(f, POLICY_ANSWERS, "accept") for f in policy.FIELDS if p.given(f)}
    found = await policy.update_policy(session, account_of(context).id, changes)
    await session.commit()
    return await _policy_v2(session, found)


@router.get("/v1/notifications/policy")
async def get_policy_v1(context: TokenContext = Depends(READ),
                        session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return await _policy_v1(session, await policy.get(session, account_of(context).id))


@router.put("/v1/notifications/policy")
async def update_policy_v1(request: Request, context: TokenContext = Depends(WRITE),
                           session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    changes = {f: "filter" if p.flag(k) else "accept" for k, f in V1.items()
               if p.optional_flag(k) is not None}
    found = await policy.update_policy(session, account_of(context).id, changes)
    await session.commit()
    return await _policy_v1(session, found)


async def _render(session: AsyncSession, kept: RenderedStatuses, viewer_id: int,
                  views: list[RequestView]) -> list[str]:
    """NotificationRequest JSON texts; the last statuses in one batch."""
    posts = list({v.last_post.id: v.last_post for v in views
                  if v.last_post is not None and v.last_post.reblog_of_id is None}.values())
    texts = dict(zip([p.id for p in posts],
                     await rendered.statuses(session, kept, posts, viewer_id), strict=True))
    found = []
    for v in views:
        head = to_json({"id": str(v.id), "created_at": entities.timestamp(v.request.created_at),
                        "updated_at": entities.timestamp(v.request.updated_at),
                        "notifications_count": str(v.notifications_count)})
        text = [head[:-1], ',"account":', kept.account(v.from_account)]
        last = texts.get(v.last_post.id) if v.last_post is not None else None
        if last is not None:
            text += [',"last_status":', last]
        found.append("".join(text) + "}")
    return found


@router.get("/v1/notifications/requests")
async def requests(request: Request, context: TokenContext = Depends(READ),
                   session: AsyncSession = Depends(db_session),
                   kept: RenderedStatuses = Depends(rendered_statuses)) -> Response:
    me = account_of(context)
    page = await policy.requests_page(session, me.id, cursor(await params(request), 40, 80))
    texts = await _render(session, kept, me.id, page.items)
    return paged_json(request, Page(texts, page.next_max_id, page.prev_min_id))


@router.get("/v1/notifications/requests/merged")
async def merged(context: TokenContext = Depends(READ)) -> JSONResponse:
    """Accepting merges at once here (Mastodon may take a while): always merged."""
    return JSONResponse({"merged": True})


@router.post("/v1/notifications/requests/accept")
async def accept_many(request: Request, context: TokenContext = Depends(WRITE),
                      session: AsyncSession = Depends(db_session)) -> JSONResponse:
    ids = (await params(request)).ids("id", max_count=100)
    await policy.accept(session, account_of(context).id, ids)
    await session.commit()
    return JSONResponse({})


@router.post("/v1/notifications/requests/dismiss")
async def dismiss_many(request: Request, context: TokenContext = Depends(WRITE),
                       session: AsyncSession = Depends(db_session)) -> JSONResponse:
    ids = (await params(request)).ids("id", max_count=100)
    await policy.dismiss(session, account_of(context).id, ids)
    await session.commit()
    return JSONResponse({})


@router.get("/v1/notifications/requests/{request_id}")
async def show(request_id: str, context: TokenContext = Depends(READ),
               session: AsyncSession = Depends(db_session),
               kept: RenderedStatuses = Depends(rendered_statuses)) -> Response:
    me = account_of(context)
    found = await policy.get_request(session, me.id, path_id(request_id))
    if found is None:
        raise ApiError(404, "Record not found")
    return Response((await _render(session, kept, me.id, [found]))[0],
                    media_type="application/json")


@router.post("/v1/notifications/requests/{request_id}/accept")
async def accept(request_id: str, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    if not await policy.accept(session, account_of(context).id, [path_id(request_id)]):
        raise ApiError(404, "Record not found")
    await session.commit()
    return JSONResponse({})


@router.post("/v1/notifications/requests/{request_id}/dismiss")
async def dismiss(request_id: str, context: TokenContext = Depends(WRITE),
                  session: AsyncSession = Depends(db_session)) -> JSONResponse:
    if not await policy.dismiss(session, account_of(context).id, [path_id(request_id)]):
        raise ApiError(404, "Record not found")
    await session.commit()
    return JSONResponse({})
