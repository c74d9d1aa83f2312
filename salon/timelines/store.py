"""Where materialised home timelines live: `home_entries` rows in the database (the embedded
default), or Redis sorted sets when SALON_REDIS_URL is set (`redis_store.py`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from sqlalchemy import Select, delete, func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import id_param, ids_param
from salon.db.session import dialect_name
from salon.settings import Settings, get_settings
from salon.timelines.models import HomeEntry
from salon.timelines.schemas import Cursor

Entry = tuple[int, int]  # (post id, author id)


@lru_cache(maxsize=32)
def _page_statement(hiding: bool, shape: tuple[bool, bool, bool]) -> Select[int]:
    """A page of stored ids, built once per shape (every home read runs one)."""
    stmt = select(HomeEntry.post_id).where(HomeEntry.account_id == id_param("account"))
    if hiding:
        stmt = stmt.where(HomeEntry.author_id.not_in(ids_param("hidden")))
    return Cursor.bound(stmt, HomeEntry.post_id, shape)


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
        hidden_authors: set[int],
    ) -> list[int]:
        """Post ids for one page, newest first, without posts by `hidden_authors`."""

    async def read(
        self,
        session: AsyncSession,
        account_id: int,
        cursor: Cursor,
        hidden_authors: set[int],
    ) -> list[int] | None:
        """Each read of the home timeline: a `page`, or None when the store no longer holds
        the timeline (its owner was away, or the store lost it): a rebuild is then under
        way."""

    async def start(self, account_id: int) -> None:
        """A new account's timeline is complete as it is (empty): nothing to rebuild."""

    async def rebuild(self, session: AsyncSession, account_id: int, entries: list[Entry]) -> None:
        """Put back `entries` (from the database) and mark the timeline ready again."""

    async def remove_post(
        self, session: AsyncSession, post_id: int, author_id: int, recipients: Select[int]
    ) -> None:
        """Take a deleted post out of the timelines of `recipients` (who may have it)."""

    async def remove_author(
        self, session: AsyncSession, account_id: int, author_id: int
    ) -> None: ...

    async def trim(self, session: AsyncSession, size: int) -> int:
        """Keep the newest `size` entries of every timeline; returns entries removed."""


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
        hidden_authors: set[int],
    ) -> list[int]:
        ids = list(await session.scalars(
            _page_statement(bool(hidden_authors), cursor.shape),
            {"account": account_id, "hidden": list(hidden_authors), **cursor.params}))
        return sorted(ids, reverse=True)

    async def read(
        self,
        session: AsyncSession,
        account_id: int,
        cursor: Cursor,
        hidden_authors: set[int],
    ) -> list[int] | None:
        # Rows in the database are never lost or expired: always ready.
        return await self.page(session, account_id, cursor, hidden_authors)

    async def start(self, account_id: int) -> None:
        pass

    async def rebuild(self, session: AsyncSession, account_id: int, entries: list[Entry]) -> None:
        have = set(await session.scalars(
            select(HomeEntry.post_id).where(HomeEntry.account_id == account_id)))
        rows = [{"account_id": account_id, "post_id": post_id, "author_id": author_id}
                for post_id, author_id in entries if post_id not in have]
        if rows:  # one multi-row INSERT, not one statement per entry
            await session.execute(insert(HomeEntry), rows)

    async def remove_post(
        self, session: AsyncSession, post_id: int, author_id: int, recipients: Select[int]
    ) -> None:
        # Usually gone already: rows follow their post out through the foreign key.
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


def timeline_store(settings: Settings | None = None) -> TimelineStore:
    """Redis sorted sets when the settings name a Redis, else the database."""
    settings = settings or get_settings()
    if settings.redis_url:
        from salon.timelines.redis_store import RedisTimelineStore

        return RedisTimelineStore.shared(settings)
    return SqlTimelineStore()


async def close_stores() -> None:
    """Close the running event loop's Redis clients, if a Redis store was used."""
    import sys

    if "salon.timelines.redis_store" in sys.modules:
        from salon.timelines.redis_store import RedisTimelineStore

        await RedisTimelineStore.close_all()
