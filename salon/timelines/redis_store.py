"""Home timelines as Redis sorted sets (scale-out), as Mastodon keeps them.

`{prefix}home:{account}` holds one member per post, `"{post id:020}:{author id:020}"`, all
with score 0: sets with equal scores sort by member, so the zero-padded ids make
ZRANGEBYLEX page by id exactly as `Cursor` pages the database, and the author rides along
for filtering blocks and mutes at read. Each set is capped at `home_timeline_size` when a
post is pushed, so there is nothing for the trim job to do.

Redis is a cache here; the database stays the source of truth. A timeline is kept only
while its owner reads it: each read renews `{key}:seen` for a week, and fan-out skips
accounts without it. An account back after a week (or any, after Redis was flushed) finds
no marker: its read sets `{key}:rebuilding`, enqueues `timelines.rebuild`, and answers with
what the database merges in alone (a partial page, 206 in the API) until the job has put
the timeline back from the database.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.redis_client import PerLoop
from salon.db.session import side_transaction
from salon.errors import UNAVAILABLE
from salon.jobs import service as jobs
from salon.settings import Settings
from salon.timelines.schemas import Cursor
from salon.timelines.store import Entry

log = logging.getLogger("salon.timelines")

ACTIVE_FOR = timedelta(days=7)  # a timeline unread this long is dropped, rebuilt on return
KEEP_FOR = ACTIVE_FOR + timedelta(days=1)  # the set outlives its marker, never the reverse
REBUILD_MARK = timedelta(minutes=5)  # a rebuild not done by then is started again
BATCH = 1000  # recipients per script call: ten calls for 10,000 followers
REBUILD_JOB = "timelines.rebuild"

# One call pushes a post to a batch of timelines, each (home, seen, rebuilding) keys in a
# row. Accounts away for a week are skipped: their timeline is rebuilt when they come back.
# Ones being rebuilt are not: the rebuild may have read the database before this post.
# In Redis rather than as pipelined commands because redis-py's cost per command, not
# Redis, would otherwise dominate a large fan-out (3 commands per follower).
PUSH = """
local size = tonumber(ARGV[2])
local pushed = 0
for i = 1, #KEYS, 3 do
  if redis.call('EXISTS', KEYS[i + 1], KEYS[i + 2]) > 0 then
    redis.call('ZADD', KEYS[i], 0, ARGV[1])
    redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -size - 1)
    pushed = pushed + 1
  end
end
return pushed
"""


def member(post_id: int, author_id: int) -> str:
    return f"{post_id:020d}:{author_id:020d}"


def parse(raw: bytes | str) -> Entry:
    text = raw.decode() if isinstance(raw, bytes) else raw
    post_id, author_id = text.split(":")
    return int(post_id), int(author_id)


def _bounds(cursor: Cursor) -> tuple[str, str]:
    """The cursor as ZRANGEBYLEX bounds. Members of post N start with "N:", so "(N:" is
    below all of them and "(N;" (';' follows ':') above all of them."""
    high = f"({cursor.max_id:020d}:" if cursor.max_id is not None else "+"
    newer = [i for i in (cursor.since_id, cursor.min_id) if i is not None]
    low = f"({max(newer):020d};" if newer else "-"
    return low, high


class RedisTimelineStore:
    _shared: ClassVar[dict[tuple[str, str, float, int], RedisTimelineStore]] = {}

    def __init__(self, url: str, prefix: str, timeout: float, size: int) -> None:
        self.clients = PerLoop(url, timeout)
        self.prefix, self.size = prefix, size

    @classmethod
    def shared(cls, settings: Settings) -> RedisTimelineStore:
        """One store (and so one client per event loop) per configuration, not per call."""
        key = (settings.redis_url, settings.redis_prefix, settings.redis_timeout,
               settings.home_timeline_size)
        store = cls._shared.get(key)
        if store is None:
            store = cls._shared[key] = cls(*key)
        return store

    @classmethod
    async def close_all(cls) -> None:
        for store in cls._shared.values():
            await store.clients.close()

    def key(self, account_id: int, suffix: str = "") -> str:
        return f"{self.prefix}home:{account_id}{suffix}"

    async def push(
        self, session: AsyncSession, post_id: int, author_id: int, recipients: Select[int]
    ) -> None:
        ids = list(await session.scalars(recipients))
        client = self.clients.here()
        push = client.register_script(PUSH)
        for start in range(0, len(ids), BATCH):
            keys = [self.key(account_id, suffix) for account_id in ids[start:start + BATCH]
                    for suffix in ("", ":seen", ":rebuilding")]
            await push(keys, [member(post_id, author_id), self.size])

    async def page(
        self,
        session: AsyncSession,
        account_id: int,
        cursor: Cursor,
        hidden_authors: set[int],
    ) -> list[int]:
        client = self.clients.here()
        first = await self._window(client, self.key(account_id), cursor, _bounds(cursor))
        return await self._collect(client, account_id, cursor, hidden_authors, first)

    async def read(
        self,
        session: AsyncSession,
        account_id: int,
        cursor: Cursor,
        hidden_authors: set[int],
    ) -> list[int] | None:
        # The lease renewal and the page's first window in one round trip.
        client = self.clients.here()
        async with client.pipeline(transaction=False) as pipe:
            pipe.expire(self.key(account_id, ":seen"), ACTIVE_FOR)
            pipe.expire(self.key(account_id), KEEP_FOR)
            self._window(pipe, self.key(account_id), cursor, _bounds(cursor))
            seen, _, first = await pipe.execute()
        if not seen:
            await self._rebuild_soon(session, account_id)
            return None
        return await self._collect(client, account_id, cursor, hidden_authors, first)

    def _window(self, client: Any, key: str, cursor: Cursor, bounds: tuple[str, str]) -> Any:
        """Up to twice a page of members within `bounds`, in the cursor's order (so a page
        filtered of hidden authors is usually full): a command, or its pipeline slot."""
        low, high = bounds
        if cursor.ascending:
            return client.zrangebylex(key, low, high, 0, cursor.limit * 2)
        return client.zrevrangebylex(key, high, low, 0, cursor.limit * 2)

    async def _collect(self, client: Any, account_id: int, cursor: Cursor,
                       hidden_authors: set[int], raw: list[Any]) -> list[int]:
        """The page's post ids from the first window `raw`, reading on while hidden
        authors left it short."""
        low, high = _bounds(cursor)
        found: list[int] = []
        while True:
            for item in raw:
                post_id, author_id = parse(item)
                if author_id not in hidden_authors and len(found) < cursor.limit:
                    found.append(post_id)
            if len(found) >= cursor.limit or len(raw) < cursor.limit * 2:
                return sorted(found, reverse=True)
            last = "(" + (raw[-1].decode() if isinstance(raw[-1], bytes) else raw[-1])
            low, high = (last, high) if cursor.ascending else (low, last)
            raw = await self._window(client, self.key(account_id), cursor, (low, high))

    async def _rebuild_soon(self, session: AsyncSession, account_id: int) -> None:
        """The timeline is gone (away a week, or Redis lost it): enqueue its rebuild,
        unless another read has."""
        client = self.clients.here()
        rebuilding = self.key(account_id, ":rebuilding")
        if not await client.set(rebuilding, "1", nx=True, ex=REBUILD_MARK):
            return  # another read started the rebuild
        try:
            # Its own transaction: a read's session is rolled back, never committed.
            async with side_transaction(session) as side:
                jobs.enqueue(side, REBUILD_JOB, {"account_id": account_id})
        except BaseException:
            with contextlib.suppress(Exception):
                await client.delete(rebuilding)  # so that the next read tries again
            raise

    async def start(self, account_id: int) -> None:
        try:
            await self.clients.here().set(self.key(account_id, ":seen"), "1", ex=ACTIVE_FOR)
        except UNAVAILABLE as exc:  # no harm: the first read rebuilds an empty timeline
            log.warning("could not mark the new home timeline of %s: %s", account_id, exc)

    async def rebuild(self, session: AsyncSession, account_id: int, entries: list[Entry]) -> None:
        key = self.key(account_id)
        # Added to what is there, never replacing it: posts fanned out while the job read the
        # database are kept. Marked seen in the same transaction, even when empty.
        async with self.clients.here().pipeline(transaction=True) as pipe:
            if entries:
                pipe.zadd(key, {member(p, a): 0 for p, a in entries})
            pipe.zremrangebyrank(key, 0, -self.size - 1)
            pipe.expire(key, KEEP_FOR)
            pipe.set(self.key(account_id, ":seen"), "1", ex=ACTIVE_FOR)
            pipe.delete(self.key(account_id, ":rebuilding"))
            await pipe.execute()

    async def remove_post(
        self, session: AsyncSession, post_id: int, author_id: int, recipients: Select[int]
    ) -> None:
        # A member cannot be found by post id alone, so it is removed from each timeline
        # that may hold it.
        ids = list(await session.scalars(recipients))
        entry = member(post_id, author_id)
        client = self.clients.here()
        for start in range(0, len(ids), BATCH):
            async with client.pipeline(transaction=False) as pipe:
                for account_id in ids[start:start + BATCH]:
                    pipe.zrem(self.key(account_id), entry)
                await pipe.execute()

    async def remove_author(self, session: AsyncSession, account_id: int, author_id: int) -> None:
        client = self.clients.here()
        key = self.key(account_id)
        gone = [raw for raw in await client.zrange(key, 0, -1)
                if isinstance(raw, bytes | str) and parse(raw)[1] == author_id]
        if gone:
            await client.zrem(key, *gone)

    async def trim(self, session: AsyncSession, size: int) -> int:
        return 0  # capped on every push
