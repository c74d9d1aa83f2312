"""The tabs above the reading pages: Home (chronological), For you (ranked) and the feeds
from a sentence the person pinned."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.feeds import sentences


@dataclass(frozen=True)
class Tab:
    title: str
    href: str


async def feed_tabs(session: AsyncSession, me: Account) -> list[Tab]:
    pinned = await sentences.pinned(session, me.id)
    return [Tab("Home", "/home"), Tab("For you", "/for-you"),
            *(Tab(feed.title, f"/feeds/{feed.id}") for feed in pinned)]
