"""Where materialised home timelines live. SQL now; a Redis store arrives behind the same
protocol when an instance scales out."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import CompoundSelect, Select, delete, func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.session import dialect_name
from salon.timelines.models import HomeEntry
from salon.timelines.schemas import Cursor


class TimelineStore(Protocol):
    async def push(
        self, session: AsyncSession, post_id: int, author_id: int, recipients: Select[int]
    ) -> None:
        """Add a post to the home timeline of every account `recipients` selects."""

    async def page(
        self,
        session: AsyncSession,
        account_id: int,
        cursor: Cursor,
        hidden_authors: CompoundSelect,
    ) -> list[int]:
        """Post ids for one page, newest first, without posts by `hidden_authors`."""

    async def remove_post(self, session: AsyncSession, post_id: int) -> None: ...

    async def remove_author(
        self, session: AsyncSession, account_id: int, author_id: int
    ) -> None: ...

    async def trim(self, session: AsyncSession, size: int) -> int:
        """Keep the newest `size` entries of every timeline; returns rows removed."""


class SqlTimelineStore:
    async def push(
        self, session: AsyncSession, post_id: int, author_id: int, recipients: Select[int]
    ) -> None:
        rows = recipients.add_columns(literal(post_id), literal(author_id))
        columns = ["account_id", "post_id", "author_id"]
        # Re-running a fan-out (after a crash) must not fail on rows already there.
        if dialect_name(session) == "postgresql":
            await session.execute(
                pg_insert(HomeEntry).from_select(columns, rows).on_conflict_do_nothing()
            )
        else:
            await session.execute(
                insert(HomeEntry).from_select(columns, rows).prefix_with("OR IGNORE")
            )

    async def page(
        self,
        session: AsyncSession,
        account_id: int,
        cursor: Cursor,
        hidden_authors: CompoundSelect,
    ) -> list[int]:
        stmt = select(HomeEntry.post_id).where(
            HomeEntry.account_id == account_id, HomeEntry.author_id.not_in(hidden_authors)
        )
        ids = list(await session.scalars(cursor.apply(stmt, HomeEntry.post_id)))
        return sorted(ids, reverse=True)

    async def remove_post(self, session: AsyncSession, post_id: int) -> None:
        await session.execute(delete(HomeEntry).where(HomeEntry.post_id == post_id))

    async def remove_author(self, session: AsyncSession, account_id: int, author_id: int) -> None:
        await session.execute(
            delete(HomeEntry).where(
                HomeEntry.account_id == account_id, HomeEntry.author_id == author_id
            )
        )

    async def trim(self, session: AsyncSession, size: int) -> int:
        over = await session.scalars(
            select(HomeEntry.account_id).group_by(HomeEntry.account_id).having(func.count() > size)
        )
        removed = 0
        for account_id in list(over):
            # The oldest entry to keep; everything older goes. (An OFFSET on the primary
            # key index is fine for this maintenance step; pages never use one.)
            keep_from = await session.scalar(
                select(HomeEntry.post_id)
                .where(HomeEntry.account_id == account_id)
                .order_by(HomeEntry.post_id.desc())
                .limit(1)
                .offset(size - 1)
            )
            result = await session.execute(
                delete(HomeEntry).where(
                    HomeEntry.account_id == account_id, HomeEntry.post_id < keep_from
                )
            )
            removed += result.rowcount  # type: ignore[attr-defined]
        return removed


def timeline_store() -> TimelineStore:
    return SqlTimelineStore()
