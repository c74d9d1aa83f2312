"""Turning pages of Salon's views into Mastodon JSON in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.api.mastodon import entities
from salon.api.mastodon.entities.common import Entity
from salon.api.mastodon.paging import paged
from salon.filters.matching import Matcher, Verdict
from salon.filters.matching import check_view as verdict
from salon.notifications.service import NotificationView
from salon.posts import reading
from salon.posts.models import Post
from salon.posts.schemas import PostView
from salon.timelines.schemas import Page


def with_filtered(body: dict[str, Any], found: Verdict) -> dict[str, Any]:
    body["filtered"] = found.results
    if body.get("reblog"):
        body["reblog"]["filtered"] = found.results
    return body


async def statuses(
    session: AsyncSession, views: Sequence[PostView], base: str, viewer_id: int | None,
    filters: Matcher | None = None,
) -> list[dict[str, Any]]:
    """Statuses; with the viewer's `filters` (of one context), `filtered` is set and what a
    hide filter matches is left out."""
    ids = {v.id for v in views} | {v.reblog.id for v in views if v.reblog}
    mentions = await reading.mentioned_accounts(session, list(ids))
    found = []
    for v in views:
        body = entities.status(v, base, viewer_id, mentions=mentions).model_dump(mode="json")
        if filters is not None and viewer_id is not None:
            checked = verdict(filters, v)
            if checked.hide:
                continue
            with_filtered(body, checked)
        found.append(body)
    return found


async def one_status(
    session: AsyncSession, post: Post, base: str, viewer_id: int | None,
    filters: Matcher | None = None,
) -> dict[str, Any]:
    # Counters moved by SQL updates (likes, replies) are expired on the row: reload it.
    await session.refresh(post)
    views = await reading.present(session, [post], viewer_id)
    return (await statuses(session, views, base, viewer_id, filters))[0]


def notifications(views: Sequence[NotificationView], base: str,
                  mentions: Mapping[int, Sequence[Account]],
                  filters: Matcher | None) -> list[dict[str, Any]]:
    """Notifications for their recipient; with the recipient's filters (of the
    notifications context), their statuses carry `filtered`, and a notification whose post
    a hide filter matches is left out."""
    found = []
    for view in views:
        body = entities.notification(view, base, mentions).model_dump(mode="json")
        if filters is not None and body.get("status") is not None and view.post is not None:
            checked = verdict(filters, view.post)
            if checked.hide:
                continue
            with_filtered(body["status"], checked)
        found.append(body)
    return found


async def account_page(
    request: Request, session: AsyncSession, base: str, rows: list[tuple[int, int]], limit: int,
    entity: Callable[[Account], Entity] | None = None,
) -> JSONResponse:
    """A page of accounts from (row id, account id) pairs paged by row id, with Link
    headers; suspended accounts are left out. `entity` renders one (default: Account)."""
    people = await accounts.get_many(session, [a for _, a in rows])
    entity = entity or (lambda acc: entities.account(acc, base))
    body = [entity(people[a]).model_dump(mode="json")
            for _, a in rows if a in people and people[a].suspended_at is None]
    page = Page(body, rows[-1][0] if len(rows) == limit else None, rows[0][0] if rows else None)
    return paged(request, body, page)
