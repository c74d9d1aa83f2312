"""The tabs above the reading pages: Home (chronological), For you (ranked) and the feeds
from a sentence the person pinned."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account


@dataclass(frozen=True)
class Tab:
    title: str
    href: str


async def feed_tabs(session: AsyncSession, me: Account) -> list[Tab]:
    return [Tab("Home", "/home"), Tab("For you", "/for-you")]
