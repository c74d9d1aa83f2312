"""Small helpers the timeline tests share."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.posts import service as posts
from salon.posts.models import Post
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.timelines.schemas import Cursor


async def home_ids(
    session: AsyncSession, settings: Settings, account: Account, cursor: Cursor | None = None
) -> list[int]:
    await session.commit()  # end any read snapshot, to see what the worker wrote
    page = await timelines.home(session, settings, account.id, cursor or Cursor(limit=40))
    return [v.id for v in page.items]


async def write(session: AsyncSession, author: Account, body: str, **kwargs: Any) -> Post:
    post = await posts.create_post(session, author, body, **kwargs)
    await session.commit()
    return post
