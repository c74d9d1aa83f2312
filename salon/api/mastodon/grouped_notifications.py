"""Grouped notifications, Mastodon's API v2: the page of groups, one group, its accounts, its
dismissal, and the unread count of groups. A page costs a fixed number of queries: the groups
(salon/notifications/groups.py), the posts the viewer may still see, the accounts, and the
statuses through the batch renderer; a group whose post the viewer may no longer see is left
out, as the v1 list leaves out its notifications."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.api.mastodon import entities, rendered
from salon.api.mastodon.deps import (
    ApiError,
    Params,
    account_of,
    base_url,
    params,
    rendered_statuses,
    scoped,
)
from salon.api.mastodon.entities.statuses import NOTIFICATION_TYPES
from salon.api.mastodon.notifications import filters_of, types_of
from salon.api.mastodon.paging import cursor, json_list, links
from salon.api.mastodon.rendered import RenderedStatuses, to_json
from salon.notifications import groups
from salon.notifications import service as notifications
from salon.notifications.groups import Group
from salon.notifications.queries import Filters
from salon.oauth.service import TokenContext
from salon.posts import reading
from salon.settings import Settings
from salon.timelines.schemas import Page
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v2/notifications")
READ = scoped("read:notifications")
PARTIAL = ("id", "acct", "url", "avatar", "avatar_static", "locked", "bot")
MAX_KEY = 100  # longer than any key Salon makes
KEY_SHAPE = re.compile(r"[a-z0-9._-]+")


def _grouped_types(p: Params) -> list[str]:
    """grouped_types[]: which types the client shows grouped (default: all Salon groups)."""
    asked = types_of(p, "grouped_types")
    return sorted(groups.GROUPABLE) if asked is None else asked


def _key(raw: str) -> str:
    """A group key from the path; one Salon could not have made is simply not found."""
    if len(raw) > MAX_KEY or not KEY_SHAPE.fullmatch(raw):
        raise ApiError(404, "Record not found")
    return raw


@router.get("/unread_count")
async def unread_count(request: Request, context: TokenContext = Depends(READ),
                       session: AsyncSession = Depends(db_session)) -> JSONResponse:
    """Groups with a notification newer than the notifications marker, up to `limit`."""
    me = account_of(context)
    p = await params(request)
    cap = p.number("limit", 100, 1, 1000, clamp=True)
    asked = Filters(types_of(p, "types"), types_of(p, "exclude_types"), p.id("account_id"))
    count = await groups.unread_count(session, me.id, await notifications.last_read(
        session, me.id), asked, _grouped_types(p), cap)
    return JSONResponse({"count": count})


@router.get("")
async def index(request: Request, context: TokenContext = Depends(READ),
                session: AsyncSession = Depends(db_session),
                settings: Settings = Depends(get_settings),
                kept: RenderedStatuses = Depends(rendered_statuses)) -> Response:
    me = account_of(context)
    p = await params(request)
    page_cursor = cursor(p, 40, 80)
    asked = filters_of(p)
    expand = p.choice("expand_accounts", ("full", "partial_avatars"), "full")
    found = await groups.page(session, me.id, page_cursor, asked, _grouped_types(p))
    body = await _results(session, kept, base_url(settings), me.id, found.groups,
                          partial=expand == "partial_avatars", paginated=True)
    page = Page(found.groups, found.next_max_id, found.prev_min_id)
    return Response(body, media_type="application/json", headers=links(request, page))


@router.get("/{group_key}")
async def show(group_key: str, context: TokenContext = Depends(READ),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings),
               kept: RenderedStatuses = Depends(rendered_statuses)) -> Response:
    me = account_of(context)
    group = await groups.one(session, me.id, _key(group_key))
    body = await _results(session, kept, base_url(settings), me.id,
                          [group] if group else [], partial=False, paginated=False,
                          required=True)
    return Response(body, media_type="application/json")


@router.post("/{group_key}/dismiss")
async def dismiss(group_key: str, context: TokenContext = Depends(scoped("write:notifications")),
                  session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await groups.dismiss(session, account_of(context).id, _key(group_key))
    await session.commit()
    return JSONResponse({})


@router.get("/{group_key}/accounts")
async def group_accounts(request: Request, group_key: str,
                         context: TokenContext = Depends(READ),
                         session: AsyncSession = Depends(db_session),
                         kept: RenderedStatuses = Depends(rendered_statuses)) -> Response:
    """The accounts of a group's notifications, newest first, paged by notification id."""
    me = account_of(context)
    page_cursor = cursor(await params(request), 40, 80)
    notes = await groups.members(session, me.id, _key(group_key), page_cursor)
    notes.sort(key=lambda n: n.id, reverse=True)
    people = await accounts.get_many(session, {n.from_account_id for n in notes})
    listed = list(dict.fromkeys(n.from_account_id for n in notes if n.from_account_id in people))
    page = Page.of(listed, [n.id for n in notes], page_cursor)
    return json_list([kept.account(people[a]) for a in listed], headers=links(request, page))


async def _results(session: AsyncSession, kept: RenderedStatuses, base: str, viewer_id: int,
                   found: Sequence[Group], *, partial: bool, paginated: bool,
                   required: bool = False) -> str:
    """GroupedNotificationsResults as JSON text: accounts, statuses and groups, the statuses
    only those the viewer may still see (a group about one they may not is left out)."""
    wanted = {g.post_id for g in found if g.post_id is not None}
    posts = {i: p for i, p in (await reading.visible(session, wanted, viewer_id)).items()
             if p.reblog_of_id is None}
    people = await accounts.get_many(
        session, {a for g in found for a in g.sample_account_ids})
    shown = [g for g in found if (g.post_id is None or g.post_id in posts)
             and g.newest.from_account_id in people]
    if required and not shown:
        raise ApiError(404, "Record not found")
    ordered = list(dict.fromkeys(g.post_id for g in shown if g.post_id is not None))
    statuses = await rendered.statuses(session, kept, [posts[i] for i in ordered], viewer_id)
    full: dict[int, Account] = {}
    partial_ones: dict[int, Account] = {}
    for g in shown:
        for place, account_id in enumerate(g.sample_account_ids):
            if account_id in people:
                chosen = full if place == 0 or not partial else partial_ones
                chosen.setdefault(account_id, people[account_id])
    parts = ['{"accounts":[', ",".join(kept.account(a) for a in full.values()), "]"]
    if partial:
        parts += [',"partial_accounts":[', ",".join(
            _partial(a, base) for i, a in partial_ones.items() if i not in full), "]"]
    parts += [',"statuses":[', ",".join(statuses), '],"notification_groups":[',
              ",".join(to_json(_group(g, people, paginated)) for g in shown), "]}"]
    return "".join(parts)


def _partial(acc: Account, base: str) -> str:
    """PartialAccountWithAvatar: what a row of avatars needs."""
    whole = entities.account(acc, base).model_dump(mode="json")
    return to_json({k: whole[k] for k in PARTIAL})


def _group(g: Group, people: dict[int, Account], paginated: bool) -> dict[str, Any]:
    kind = NOTIFICATION_TYPES.get(g.type, g.type)
    found: dict[str, Any] = {
        "group_key": g.key, "notifications_count": g.count, "type": kind,
        "most_recent_notification_id": str(g.newest.id),
    }
    if paginated:
        found |= {"page_min_id": str(g.page_min_id), "page_max_id": str(g.page_max_id),
                  "latest_page_notification_at": entities.timestamp(g.latest_at)}
    found["sample_account_ids"] = [str(a) for a in g.sample_account_ids if a in people]
    if g.post_id is not None:
        found["status_id"] = str(g.post_id)
    return found

