"""Feeds from a sentence: a person writes "watercolor animals in snow" and reads the posts
that match it by meaning, newest or best first; made public, others can follow it; any
reader can pin it as a tab. A private feed is its owner's alone: to anyone else it does
not exist (404).

Which posts: public posts of anyone (not reposts, not replies to others) that the reader
may see, blocks and mutes applied, matched on what search finds a post by (a hidden
recipe's prompt never: the posts' vectors leave it out). Scoring is in sentence_matching."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.errors import Forbidden, Invalid, NotFound
from salon.feeds import sentence_matching as matching
from salon.feeds.models import FeedFollow, SentenceFeed
from salon.feeds.schemas import SentenceFeedView
from salon.graph import service as graph
from salon.graph.models import Block
from salon.meaning import service as meaning
from salon.posts import reading
from salon.posts.models import Post
from salon.posts.visibility import listed, visible_to
from salon.settings import Settings
from salon.text_input import clean_text
from salon.timelines.schemas import Cursor, Page

SENTENCE_MAX = 300
TITLE_MAX = 100
ORDERS = ("newest", "best")
FEEDS_PER_ACCOUNT = 50
NOT_FOUND = "That feed does not exist."
BEST_POOL = 500  # the newest matches ranked by "best" (a bounded pool, paged by position)
NEWER_POOL = 400  # matches looked at for a page of newer posts (min_id / since_id)
SCAN_ROUNDS = 5  # batches of matches read for one "newest" page before it stops short


# --- making and changing ------------------------------------------------------------------

def _sentence(value: str) -> str:
    value = " ".join(clean_text(value, "sentence", multiline=True).split())
    if not value:
        raise Invalid("sentence can't be blank: say what the feed should show.", "sentence")
    if len(value) > SENTENCE_MAX:
        raise Invalid(f"sentence must be at most {SENTENCE_MAX} characters.", "sentence")
    if not matching.parse(value).wanted:
        raise Invalid("sentence must say what the feed should show, not only what it "
                      "should leave out.", "sentence")
    return value


def _title(value: str | None, sentence: str) -> str:
    value = " ".join(clean_text(value or "", "title").split())
    if len(value) > TITLE_MAX:
        raise Invalid(f"title must be at most {TITLE_MAX} characters.", "title")
    if value:
        return value
    return sentence if len(sentence) <= TITLE_MAX else sentence[:TITLE_MAX - 1] + "…"


def _order(value: str) -> str:
    if value not in ORDERS:
        raise Invalid("order must be one of " + ", ".join(ORDERS) + ".", "order")
    return value


async def embed(session: AsyncSession, settings: Settings, feed: SentenceFeed) -> bool:
    """Give the feed the current model's vectors of its sentence (what it wants, what it
    avoids) unless it has them; False when embeddings are off. The caller commits."""
    found = await meaning.model(settings)
    if found is None:
        return False
    if feed.model == found.name and feed.vector is not None:
        return True
    parsed = matching.parse(feed.sentence)
    wanted = await meaning.embed_query(settings, parsed.wanted)
    if wanted is None:
        return False
    avoided = [v for phrase in parsed.avoided
               if (v := await meaning.embed_query(settings, phrase)) is not None]
    feed.vector = matching.pack([wanted])
    feed.avoid = matching.pack(avoided)
    feed.model = found.name
    await session.flush()
    return True


async def create(session: AsyncSession, settings: Settings, owner_id: int, *, sentence: str,
                 title: str | None = None, order: str = "newest", public: bool = False,
                 pinned: bool = False) -> SentenceFeed:
    """A new feed, followed by its owner (pinned as a tab if asked)."""
    sentence = _sentence(sentence)
    count = await session.scalar(select(func.count()).select_from(SentenceFeed)
                                 .where(SentenceFeed.account_id == owner_id))
    if (count or 0) >= FEEDS_PER_ACCOUNT:
        raise Invalid(f"You have reached the maximum of {FEEDS_PER_ACCOUNT} feeds.", "sentence")
    made = SentenceFeed(account_id=owner_id, title=_title(title, sentence), sentence=sentence,
                        order=_order(order), public=public, model="")
    if not await embed(session, settings, made):
        raise Invalid("Feeds from a sentence need search by meaning, which is off on this "
                      "server.", "sentence")
    session.add(made)
    await session.flush()
    session.add(FeedFollow(feed_id=made.id, account_id=owner_id, pinned=pinned))
    await session.flush()
    return made


async def get_own(session: AsyncSession, owner_id: int, feed_id: int) -> SentenceFeed:
    """The owner's feed; another's is not theirs to change (403 if they may read it)."""
    found = await readable(session, feed_id, owner_id)
    if found.account_id != owner_id:
        raise Forbidden("Only the feed's owner can change it.")
    return found


async def update(session: AsyncSession, settings: Settings, owner_id: int, feed_id: int, *,
                 sentence: str | None = None, title: str | None = None,
                 order: str | None = None, public: bool | None = None) -> SentenceFeed:
    """Change what is given; a new sentence is embedded again. Made private, the feed
    loses its followers (to them it no longer exists)."""
    found = await get_own(session, owner_id, feed_id)
    if sentence is not None and (sentence := _sentence(sentence)) != found.sentence:
        if title is None and found.title == _title(None, found.sentence):
            found.title = _title(None, sentence)  # a title that was the sentence follows it
        found.sentence, found.model = sentence, ""
        await embed(session, settings, found)
    if title is not None:
        found.title = _title(title, found.sentence)
    if order is not None:
        found.order = _order(order)
    if public is not None and public != found.public:
        found.public = public
        if not public:
            await session.execute(delete(FeedFollow).where(
                FeedFollow.feed_id == found.id, FeedFollow.account_id != owner_id))
    await session.flush()
    return found


async def remove(session: AsyncSession, owner_id: int, feed_id: int) -> None:
    found = await get_own(session, owner_id, feed_id)
    await session.execute(delete(FeedFollow).where(FeedFollow.feed_id == found.id))
    await session.delete(found)
    await session.flush()


# --- reading who may see a feed -------------------------------------------------------------

def _readable_by(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL condition on SentenceFeed: the viewer's own, or public by an owner who is not
    suspended nor blocked either way."""
    shared = SentenceFeed.public.is_(True) & SentenceFeed.account_id.not_in(
        accounts.suspended_ids())
    if viewer_id is None:
        return shared
    return or_(SentenceFeed.account_id == viewer_id,
               shared & SentenceFeed.account_id.not_in(graph.blocking_ids(viewer_id)))


async def readable(session: AsyncSession, feed_id: int, viewer_id: int | None
                   ) -> SentenceFeed:
    """The feed, if the viewer may read it; else not found, as one that does not exist."""
    found = await session.scalar(select(SentenceFeed).where(
        SentenceFeed.id == feed_id, _readable_by(viewer_id)))
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


async def follow(session: AsyncSession, viewer_id: int, feed_id: int) -> SentenceFeed:
    """Follow another's public feed (again: nothing changes)."""
    found = await readable(session, feed_id, viewer_id)
    if found.account_id == viewer_id:
        raise Invalid("That is your own feed: you follow it already.", "id")
    exists = await session.scalar(select(FeedFollow.id).where(
        FeedFollow.feed_id == feed_id, FeedFollow.account_id == viewer_id))
    if exists is None:
        session.add(FeedFollow(feed_id=feed_id, account_id=viewer_id, pinned=False))
        await session.flush()
    return found


async def unfollow(session: AsyncSession, viewer_id: int, feed_id: int) -> SentenceFeed:
    """Stop following (and so stop having it as a tab); not following changes nothing."""
    found = await readable(session, feed_id, viewer_id)
    if found.account_id == viewer_id:
        raise Invalid("That is your own feed: delete it instead.", "id")
    await session.execute(delete(FeedFollow).where(
        FeedFollow.feed_id == feed_id, FeedFollow.account_id == viewer_id))
    return found


async def pin(session: AsyncSession, viewer_id: int, feed_id: int, pinned: bool = True
              ) -> SentenceFeed:
    """Show the feed as a tab (or not): the owner's, or one the viewer follows."""
    found = await readable(session, feed_id, viewer_id)
    row = await session.scalar(select(FeedFollow).where(
        FeedFollow.feed_id == feed_id, FeedFollow.account_id == viewer_id))
    if row is None:
        raise Invalid("Follow the feed to pin it.", "id")
    row.pinned = pinned
    await session.flush()
    return found


async def _followed_rows(session: AsyncSession, viewer_id: int, *, others: bool | None,
                         pinned: bool = False) -> list[SentenceFeed]:
    stmt = (select(SentenceFeed).join(FeedFollow, FeedFollow.feed_id == SentenceFeed.id)
            .where(FeedFollow.account_id == viewer_id, _readable_by(viewer_id)))
    if others is not None:
        stmt = stmt.where((SentenceFeed.account_id != viewer_id) if others
                          else (SentenceFeed.account_id == viewer_id))
    if pinned:
        stmt = stmt.where(FeedFollow.pinned.is_(True))
    return list(await session.scalars(stmt.order_by(FeedFollow.id)))


async def in_reading_list(session: AsyncSession, viewer_id: int, feed_id: int
                          ) -> SentenceFeed | None:
    """The feed, if it is one of the viewer's own or followed (a list in Mastodon apps)."""
    return await session.scalar(
        select(SentenceFeed).join(FeedFollow, FeedFollow.feed_id == SentenceFeed.id)
        .where(SentenceFeed.id == feed_id, FeedFollow.account_id == viewer_id,
               _readable_by(viewer_id)))


async def mine(session: AsyncSession, viewer_id: int) -> list[SentenceFeed]:
    return await _followed_rows(session, viewer_id, others=False)


async def followed(session: AsyncSession, viewer_id: int) -> list[SentenceFeed]:
    """Others' feeds the viewer follows and may still read."""
    return await _followed_rows(session, viewer_id, others=True)


async def reading_list(session: AsyncSession, viewer_id: int) -> list[SentenceFeed]:
    """Own and followed feeds, in the order they were made or followed (as lists)."""
    return await _followed_rows(session, viewer_id, others=None)


async def pinned(session: AsyncSession, viewer_id: int) -> list[SentenceFeed]:
    """The feeds the viewer shows as tabs, in the order they were made or followed."""
    return await _followed_rows(session, viewer_id, others=None, pinned=True)


async def views(session: AsyncSession, viewer_id: int | None, feeds: Sequence[SentenceFeed]
                ) -> list[SentenceFeedView]:
    """The feeds with their owners, followers and the viewer's follow and pin, in three
    queries."""
    owners = await accounts.get_many(session, [f.account_id for f in feeds])
    counts = await followers_counts(session, [f.id for f in feeds if f.public])
    rows: dict[int, bool] = {}
    if viewer_id is not None and feeds:
        rows = {r[0]: r[1] for r in await session.execute(
            select(FeedFollow.feed_id, FeedFollow.pinned).where(
                FeedFollow.account_id == viewer_id,
                FeedFollow.feed_id.in_([f.id for f in feeds])))}
    return [SentenceFeedView(feed=f, owner=owners[f.account_id],
                             owned=f.account_id == viewer_id, following=f.id in rows,
                             pinned=rows.get(f.id, False), followers_count=counts.get(f.id, 0))
            for f in feeds if f.account_id in owners]


async def followers_counts(session: AsyncSession, feed_ids: list[int]) -> dict[int, int]:
    """How many others follow each feed and may still read it: counted when shown, so a
    follower who leaves, is suspended, or blocks or is blocked by the owner drops out."""
    if not feed_ids:
        return {}
    follower, owner = FeedFollow.account_id, SentenceFeed.account_id
    blocked = select(Block.id).where(or_(
        (Block.account_id == owner) & (Block.target_id == follower),
        (Block.account_id == follower) & (Block.target_id == owner)))
    return {r[0]: r[1] for r in await session.execute(
        select(FeedFollow.feed_id, func.count())
        .join(SentenceFeed, SentenceFeed.id == FeedFollow.feed_id)
        .join(Account, Account.id == follower)
        .where(FeedFollow.feed_id.in_(feed_ids), follower != owner,
               Account.suspended_at.is_(None), ~blocked.exists())
        .group_by(FeedFollow.feed_id))}


# --- the feed's posts ---------------------------------------------------------------------

def _candidates(viewer_id: int | None) -> list[ColumnElement[bool]]:
    """Public posts (not reposts, not replies to others) the viewer may see, by no one
    they block, are blocked by or mute."""
    # Reposts out by a function of the column, so SQLite looks the hits up by id rather
    # than walking the reblog index (nearly every post): see meaning.search.shown_to.
    found = [listed(), func.coalesce(Post.reblog_of_id, 0) == 0, visible_to(viewer_id),
             or_(Post.in_reply_to_account_id.is_(None),
                 Post.in_reply_to_account_id == Post.account_id)]
    if viewer_id is not None:
        found.append(Post.account_id.not_in(graph.hidden_author_ids(viewer_id)))
    return found


class _Matcher:
    """A feed's vectors, and the posts among some hits that it shows, with their score."""

    def __init__(self, session: AsyncSession, settings: Settings, feed: SentenceFeed,
                 viewer_id: int | None) -> None:
        self.session, self.settings, self.viewer_id = session, settings, viewer_id
        self.wanted = vector_of(feed)
        self.avoid = matching.unpack(feed.avoid, 0 if self.wanted is None else len(self.wanted))

    async def above(self, limit: int, max_id: int | None = None) -> list[tuple[int, float]]:
        if self.wanted is None:
            return []
        return await meaning.above(self.session, self.settings, self.wanted,
                                   matching.MATCH_THRESHOLD, limit, max_id)

    async def score(self, post_id: int) -> float | None:
        """A post's score, if it has a vector of the feed's model."""
        found = await meaning.vectors(self.session, self.settings, [post_id])
        if post_id not in found or self.wanted is None:
            return None
        vector = found[post_id]
        return float(vector @ self.wanted) - matching.penalty(self.avoid, vector)

    async def keep(self, hits: list[tuple[int, float]]) -> list[tuple[Post, float]]:
        """The hits the feed shows the viewer, in their order, with their score."""
        if not hits:
            return []
        scores = dict(hits)
        if self.avoid is not None:
            found = await meaning.vectors(self.session, self.settings, scores)
            scores = {i: s - matching.penalty(self.avoid, found[i])
                      for i, s in scores.items() if i in found}
            scores = {i: s for i, s in scores.items() if s >= matching.MATCH_THRESHOLD}
        posts = {p.id: p for p in await self.session.scalars(select(Post).where(
            Post.id.in_(list(scores)), *_candidates(self.viewer_id)))}
        return [(posts[i], scores[i]) for i, _ in hits if i in posts]


async def posts(session: AsyncSession, settings: Settings, feed: SentenceFeed,
                viewer_id: int | None, cursor: Cursor,
                present: reading.Presenter[Any] = reading.present) -> Page[Any]:
    """A page of the feed for this viewer (who may read it: see `readable`). Newest: by
    post id, max_id older, since_id/min_id newer. Best: the newest BEST_POOL matches ranked
    by score, paged by position after the post named by max_id (newer ones by since_id or
    min_id, ranked too), so Mastodon apps page it as any timeline."""
    await embed(session, settings, feed)  # a model changed since: its vectors come again
    matcher = _Matcher(session, settings, feed, viewer_id)
    if feed.order == "best":
        chosen, next_max_id = await _best(matcher, cursor)
    else:
        chosen, next_max_id = await _newest(matcher, cursor)
    hidden: set[int] = set()
    if viewer_id is not None and chosen:
        hidden = set(await session.scalars(graph.hidden_author_ids(viewer_id)))
    items = await present(session, chosen, viewer_id, hidden)
    newest = max((p.id for p in chosen), default=None)
    return Page(items, next_max_id, newest if newest is not None
                else cursor.min_id or cursor.since_id)


async def _newest(matcher: _Matcher, cursor: Cursor) -> tuple[list[Post], int | None]:
    limit = cursor.limit
    floor = cursor.min_id or cursor.since_id
    if floor is not None:
        hits = [h for h in await matcher.above(NEWER_POOL, cursor.max_id) if h[0] > floor]
        kept = [p for p, _ in await matcher.keep(hits)]
        # min_id: the ones just newer than it; since_id: the newest ones.
        return (kept[-limit:] if cursor.min_id is not None else kept[:limit]), None
    batch = max(2 * limit, 40)
    kept, last, max_id = [], None, cursor.max_id
    for _ in range(SCAN_ROUNDS):
        hits = await matcher.above(batch, max_id)
        shown = {p.id: p for p, _ in await matcher.keep(hits)}
        for post_id, _ in hits:
            last = post_id
            if post_id in shown:
                kept.append(shown[post_id])
                if len(kept) == limit:
                    return kept, last
        if len(hits) < batch:
            return kept, None  # no older matches
        max_id = hits[-1][0]
    return kept, last  # many matches hidden from this viewer: the next page goes on


async def _best(matcher: _Matcher, cursor: Cursor) -> tuple[list[Post], int | None]:
    pool = await matcher.keep(await matcher.above(BEST_POOL))
    ranked = sorted(pool, key=lambda e: (e[1], e[0].id), reverse=True)
    floor = cursor.min_id or cursor.since_id
    if floor is not None:
        return [p for p, _ in ranked if p.id > floor][:cursor.limit], None
    start = 0
    if cursor.max_id is not None:
        where = next((n for n, (p, _) in enumerate(ranked) if p.id == cursor.max_id), None)
        if where is None:  # not in the pool now: go on from where its score would be
            score = await matcher.score(cursor.max_id)
            key = (score, cursor.max_id)
            where = (len(ranked) if score is None else
                     sum(1 for p, s in ranked if (s, p.id) > key) - 1)
        start = where + 1
    page = [p for p, _ in ranked[start:start + cursor.limit]]
    more = start + cursor.limit < len(ranked)
    return page, page[-1].id if page and more else None


def vector_of(feed: SentenceFeed) -> np.ndarray | None:
    """The feed's sentence vector (what it wants), if it has one."""
    if not feed.vector:
        return None
    return np.frombuffer(feed.vector, dtype=np.float32)


async def owner_of(session: AsyncSession, feed: SentenceFeed) -> Account:
    found = await session.get(Account, feed.account_id)
    assert found is not None  # accounts cascade to their feeds
    return found
