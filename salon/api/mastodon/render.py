"""Turning pages of Salon's views into Mastodon JSON in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.api.mastodon import entities
from salon.api.mastodon.entities.common import Entity
from salon.api.mastodon.paging import paged
from salon.posts import reading
from salon.posts.models import Post
from salon.posts.schemas import PostView
from salon.timelines.schemas import Page


async def statuses(
    session: AsyncSession, views: Sequence[PostView], base: str, viewer_id: int | None
) -> list[dict[str, Any]]:
    ids = {v.id for v in views} | {v.reblog.id for v in views if v.reblog}
    mentions = await reading.mentioned_accounts(session, list(ids))
    return [
        entities.status(v, base, viewer_id, mentions=mentions).model_dump(mode="json")
        for v in views
    ]


async def one_status(
    session: AsyncSession, post: Post, base: str, viewer_id: int | None
) -> dict[str, Any]:
    # Counters moved by SQL updates (likes, replies) are expired on the row: reload it.
    await session.refresh(post)
    views = await reading.present(session, [post], viewer_id)
    return (await statuses(session, views, base, viewer_id))[0]


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
