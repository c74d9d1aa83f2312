"""For You's inputs: what the person did (their history, feedback and what they have seen),
and the candidate posts, from the sources X's recommender names: in-network (people they
follow), out-of-network by meaning (nearest neighbours of what they liked, reposted,
remixed and posted), posts liked or reposted by people they follow, trending and popular
posts, and recent public posts as a fallback. Then the filters: only public top-level posts
of others inside the window that the person may see, less blocked, muted, muted-word,
already-seen and not-interested ones."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, and_, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.among import among
from salon.db.ids import id_floor, utcnow
from salon.feeds.models import Feedback
from salon.filters.matching import Matcher, searchable_text
from salon.graph import service as graph
from salon.meaning import service as meaning
from salon.media.models import MediaAttachment
from salon.posts.models import Bookmark, Like, Post, PostTag, Tag
from salon.posts.visibility import listed, visible_to
from salon.settings import Settings
from salon.timelines import service as timelines

HISTORY = 50  # the person's latest actions whose posts stand for their taste
AFFINITY_LIKES = 500  # the latest likes counted for author affinity
FEEDBACK_KEPT = 1000  # the latest feedback rows read
NEAREST_SEEDS = 6  # recent history items searched one by one (besides the taste profile)
TRENDING_TAGS = 10

# Where each share of the candidates comes from (the rest of the pool stays unused when a
# source has fewer).
SHARES = {"in_network": 0.3, "similar": 0.3, "social": 0.15, "popular": 0.15, "recent": 0.1}


@dataclass
class HistoryItem:
    post_id: int  # the post acted on (for a remix: its source; for "posted": the post)
    kind: str  # liked | reposted | remixed | posted
    action_id: int


@dataclass
class Person:
    """What For You knows of the reader, read in a few queries per ranking."""

    id: int
    floor: int  # the window: no candidate older than this id
    followed: set[int] = field(default_factory=set)
    hidden: set[int] = field(default_factory=set)  # blocked either way, or muted
    history: list[HistoryItem] = field(default_factory=list)  # newest first
    liked_authors: Counter[int] = field(default_factory=Counter)
    seen: set[int] = field(default_factory=set)
    less: list[int] = field(default_factory=list)  # "show less like this" posts
    more: list[int] = field(default_factory=list)
    not_authors: set[int] = field(default_factory=set)
    not_tags: set[int] = field(default_factory=set)
    feedback_id: int = 0  # the newest feedback taken into account
    # Each "less"/"more" post's author and tags: feedback that works without meaning.
    feedback_posts: dict[int, tuple[int, frozenset[int]]] = field(default_factory=dict)
    vectors: dict[int, np.ndarray] = field(default_factory=dict)  # of history and feedback


def window_floor(settings: Settings) -> int:
    return id_floor(utcnow() - timedelta(hours=settings.for_you_window_hours))


async def person(session: AsyncSession, settings: Settings, account_id: int) -> Person:
    me = Person(account_id, window_floor(settings))
    me.followed = set(await session.scalars(graph.followed_ids(account_id)))
    me.hidden = set(await session.scalars(graph.hidden_author_ids(account_id)))
    await _history(session, me)
    await _feedback(session, me)
    await _seen(session, me)
    wanted = [h.post_id for h in me.history] + me.less + me.more
    me.vectors = await meaning.vectors(session, settings, wanted)
    return me


async def _history(session: AsyncSession, me: Person) -> None:
    """The latest liked, reposted, remixed and posted, newest first, and author affinity."""
    mine = Post.account_id == me.id
    parts: list[Any] = [
        select(Like.post_id, Like.id, literal("liked")).where(Like.account_id == me.id)
        .order_by(Like.id.desc()).limit(HISTORY),
        select(Post.reblog_of_id, Post.id, literal("reposted"))
        .where(mine, Post.reblog_of_id.is_not(None)).order_by(Post.id.desc()).limit(HISTORY),
        select(Post.remix_of_id, Post.id, literal("remixed"))
        .where(mine, Post.remix_of_id.is_not(None)).order_by(Post.id.desc()).limit(HISTORY),
        select(Post.id, Post.id, literal("posted"))
        .where(mine, Post.reblog_of_id.is_(None), Post.in_reply_to_id.is_(None))
        .order_by(Post.id.desc()).limit(HISTORY),
    ]
    rows = await session.execute(union_all(*(select(p.subquery()) for p in parts)))
    items = [HistoryItem(int(r[0]), str(r[2]), int(r[1])) for r in rows if r[0] is not None]
    items.sort(key=lambda h: h.action_id, reverse=True)
    me.history = items[:HISTORY]
    recent = (select(Like.post_id).where(Like.account_id == me.id)
              .order_by(Like.id.desc()).limit(AFFINITY_LIKES).subquery())
    counted = await session.execute(
        select(Post.account_id, func.count()).where(Post.id.in_(select(recent.c.post_id)))
        .group_by(Post.account_id))
    me.liked_authors = Counter({int(a): int(n) for a, n in counted if a != me.id})


async def _feedback(session: AsyncSession, me: Person) -> None:
    rows = await session.scalars(select(Feedback).where(Feedback.account_id == me.id)
                                 .order_by(Feedback.id.desc()).limit(FEEDBACK_KEPT))
    for row in rows:
        me.feedback_id = max(me.feedback_id, row.id)
        if row.post_id is not None:
            me.seen.add(row.post_id)
            if row.kind == "less":
                me.less.append(row.post_id)
            elif row.kind == "more":
                me.more.append(row.post_id)
        if row.kind == "not_interested" and row.author_id is not None:
            me.not_authors.add(row.author_id)
        if row.kind == "not_interested" and row.tag_id is not None:
            me.not_tags.add(row.tag_id)
    wanted = me.less + me.more
    if wanted:
        tags: dict[int, set[int]] = {}
        for post_id, tag_id in await session.execute(
                select(PostTag.post_id, PostTag.tag_id).where(among(PostTag.post_id, wanted))):
            tags.setdefault(post_id, set()).add(tag_id)
        for post_id, author_id in await session.execute(
                select(Post.id, Post.account_id).where(among(Post.id, wanted))):
            me.feedback_posts[post_id] = (author_id, frozenset(tags.get(post_id, ())))


async def _seen(session: AsyncSession, me: Person) -> None:
    """Posts of the window the person already acted on: liked, reposted, bookmarked or
    replied to (feedback is added by `_feedback`)."""
    mine = Post.account_id == me.id
    rows = await session.scalars(union_all(
        select(Like.post_id).where(Like.account_id == me.id, Like.post_id >= me.floor),
        select(Bookmark.post_id).where(Bookmark.account_id == me.id,
                                       Bookmark.post_id >= me.floor),
        select(Post.reblog_of_id).where(mine, Post.reblog_of_id >= me.floor),
        select(Post.in_reply_to_id).where(mine, Post.in_reply_to_id >= me.floor),
    ))
    me.seen.update(int(r) for r in rows if r is not None)


def profile(me: Person) -> np.ndarray | None:
    """The person's taste: the mean of their history's vectors, newer ones weighing more."""
    found = [(me.vectors[h.post_id], 0.97 ** i) for i, h in enumerate(me.history)
             if h.post_id in me.vectors]
    if not found:
        return None
    mean = np.sum([v * w for v, w in found], axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


def _top_level() -> ColumnElement[bool]:
    """Not a reply to someone else (a self-reply thread counts as top level)."""
    return or_(Post.in_reply_to_account_id.is_(None),
               Post.in_reply_to_account_id == Post.account_id)


def _candidate(me: Person) -> list[ColumnElement[bool]]:
    """What every source asks: public, top level, no repost, in the window, not theirs."""
    return [Post.id >= me.floor, listed(), Post.reblog_of_id.is_(None), _top_level(),
            Post.account_id != me.id]


def _engagement() -> ColumnElement[int]:
    return Post.likes_count + 2 * Post.reposts_count + 3 * Post.remixes_count + Post.replies_count


async def candidates(session: AsyncSession, settings: Settings, me: Person
                     ) -> dict[int, set[str]]:
    """Candidate post ids, each with the sources that brought it (unfiltered yet)."""
    total = settings.for_you_candidates
    quota = {name: _quota(total, share) for name, share in SHARES.items()}
    found: dict[int, set[str]] = {}

    def add(ids: list[int] | set[int], source: str) -> None:
        for i in ids:
            found.setdefault(int(i), set()).add(source)

    base = _candidate(me)
    followed = graph.followed_ids(me.id)
    add(list(await session.scalars(select(Post.id).where(*base, Post.account_id.in_(followed))
                                   .order_by(Post.id.desc()).limit(quota["in_network"]))),
        "in_network")
    add(await _similar(session, settings, me, quota["similar"]), "similar")
    half = quota["social"] // 2 + 1
    add(list(await session.scalars(
        select(Like.post_id).where(Like.account_id.in_(followed), Like.post_id >= me.floor)
        .order_by(Like.id.desc()).limit(half))), "social")
    add(list(await session.scalars(
        # The repost index drives (reposts of the window are few): with the author's
        # column as is, SQLite read every post of each followed account (26 ms at 50,000).
        select(Post.reblog_of_id).where(func.coalesce(Post.account_id, 0).in_(followed),
                                        Post.reblog_of_id >= me.floor)
        .order_by(Post.reblog_of_id.desc()).limit(half))), "social")
    everyone = await shared(session, settings, me.floor)
    add(everyone.trending, "trending")
    add(everyone.popular, "popular")
    add(list(await session.scalars(select(Post.id).where(*base).order_by(Post.id.desc())
                                   .limit(quota["recent"]))), "recent")
    return found


def _quota(total: int, share: float) -> int:
    return max(5, int(total * share))


def popular_quota(settings: Settings) -> int:
    return _quota(settings.for_you_candidates, SHARES["popular"])


@dataclass
class Shared:
    """The sources that are the same for everyone: trending tags, their posts and the
    popular posts of the window."""

    tags: list[str]
    trending: list[int]
    popular: list[int]


POPULAR_POOL = 5000  # the newest public posts whose engagement is compared
_SHARED: dict[tuple[str, int], tuple[float, Shared]] = {}


async def shared(session: AsyncSession, settings: Settings, floor: int) -> Shared:
    """Trending and popular candidates, read once a minute per process
    (SALON_FOR_YOU_SHARED_SECONDS): at a million posts in the window, sorting them all by
    engagement for every reader would cost a second."""
    limit = popular_quota(settings)
    key = (str(session.get_bind().engine.url), limit)
    now = time.monotonic()
    kept = _SHARED.get(key)
    if kept is not None and now - kept[0] < settings.for_you_shared_seconds:
        return kept[1]
    base = [Post.id >= floor, listed(), Post.reblog_of_id.is_(None), _top_level()]
    tags = [t.name for t in await timelines.trending_tags(session, limit=TRENDING_TAGS)]
    trending: list[int] = []
    if tags:
        tagged = select(PostTag.post_id).join(Tag, Tag.id == PostTag.tag_id).where(
            Tag.name.in_(tags), PostTag.post_id >= floor)
        trending = list(await session.scalars(
            select(Post.id).where(*base, Post.id.in_(tagged))
            .order_by(_engagement().desc(), Post.id.desc()).limit(limit // 2)))
    newest = select(Post.id).where(*base).order_by(Post.id.desc()).limit(POPULAR_POOL)
    popular = list(await session.scalars(
        select(Post.id).where(Post.id.in_(newest.scalar_subquery()), _engagement() > 0)
        .order_by(_engagement().desc(), Post.id.desc()).limit(limit)))
    found = Shared(tags, trending, popular)
    _SHARED[key] = (now, found)
    return found


def forget_shared() -> None:
    """Tests that change what is trending or popular within a minute."""
    _SHARED.clear()


async def _similar(session: AsyncSession, settings: Settings, me: Person, limit: int
                   ) -> set[int]:
    """Nearest neighbours, inside the window, of the taste profile, of the latest history
    items and of what the person asked to see more of (nothing with embeddings off)."""
    seeds: list[np.ndarray] = []
    if (taste := profile(me)) is not None:
        seeds.append(taste)
    recent = [h.post_id for h in me.history if h.post_id in me.vectors][:NEAREST_SEEDS]
    seeds += [me.vectors[i] for i in recent + me.more[:NEAREST_SEEDS] if i in me.vectors]
    found: set[int] = set()
    if not seeds:
        return found
    first = max(limit // 2, 10)  # the profile gets half; each other seed a share of the rest
    each = max((limit - first) // max(len(seeds) - 1, 1), 5)
    # All seeds in one pass over the vectors; each keeps its own share of the hits.
    hits = await meaning.nearest_many(session, settings, seeds, max(first, each),
                                      since_id=me.floor)
    for n, seed_hits in enumerate(hits):
        found.update(i for i, _ in seed_hits[:first if n == 0 else each])
    return found


@dataclass(slots=True)
class CandidatePost:
    """What ranking reads of a candidate post: columns, not the ORM object (building 600
    Post and Account objects took 8 ms of each ranking)."""

    id: int
    account_id: int
    text: str
    spoiler_text: str
    created_at: datetime
    likes_count: int
    reposts_count: int
    remixes_count: int
    replies_count: int


@dataclass(slots=True)
class CandidateAuthor:
    id: int
    username: str
    created_at: datetime
    posts_count: int


_POST_COLUMNS = [getattr(Post, f.name) for f in fields(CandidatePost)]
_AUTHOR_COLUMNS = [getattr(Account, f.name) for f in fields(CandidateAuthor)]


@dataclass
class Candidate:
    post: CandidatePost
    author: CandidateAuthor
    sources: set[str]
    tags: dict[int, str] = field(default_factory=dict)  # tag id: name
    has_media: bool = False


async def eligible(session: AsyncSession, me: Person, found: dict[int, set[str]],
                   matcher: Matcher | None) -> list[Candidate]:
    """The filters: only what the person may see and has not seen, from accounts they do
    not hide and are not tired of, about tags they are not tired of, matching none of
    their hide filters."""
    wanted = [i for i in found if i not in me.seen]
    if not wanted:
        return []
    # The window and reposts are checked here, not in SQL: there SQLite walked the whole
    # window's index range (or the repost index) instead of looking the ids up.
    rows = await session.execute(
        select(Post.reblog_of_id, *_POST_COLUMNS, *_AUTHOR_COLUMNS)
        .join(Account, Account.id == Post.account_id)
        .where(among(Post.id, wanted), listed(), _top_level(), Post.account_id != me.id,
               visible_to(me.id)))
    split = 1 + len(_POST_COLUMNS)
    authors: dict[int, CandidateAuthor] = {}
    kept: dict[int, Candidate] = {}
    for row in rows:
        post = CandidatePost(*row[1:split])
        if (post.id < me.floor or row[0] is not None or post.account_id in me.hidden
                or post.account_id in me.not_authors):
            continue
        author = authors.get(post.account_id) or CandidateAuthor(*row[split:])
        authors[author.id] = author
        kept[post.id] = Candidate(post, author, found[post.id])
    if not kept:
        return []
    for post_id, tag_id, name in await session.execute(
            select(PostTag.post_id, Tag.id, Tag.name).join(Tag, Tag.id == PostTag.tag_id)
            .where(among(PostTag.post_id, kept))):
        kept[post_id].tags[tag_id] = name
    descriptions: dict[int, list[str | None]] = {}
    for media_post, description in await session.execute(
            select(MediaAttachment.post_id, MediaAttachment.description)
            .where(among(MediaAttachment.post_id, kept))):
        if media_post is not None:
            descriptions.setdefault(media_post, []).append(description)
            kept[media_post].has_media = True
    result = []
    for c in kept.values():
        if me.not_tags & set(c.tags):
            continue
        if matcher is not None:
            text = searchable_text(c.post.spoiler_text, c.post.text, (),
                                   descriptions.get(c.post.id, ()))
            if matcher.check(c.post.id, None, c.author.id, text).hide:
                continue
        result.append(c)
    return result


async def engagers(session: AsyncSession, me: Person, post_ids: list[int]
                   ) -> dict[int, list[tuple[int, str]]]:
    """For each post, the followed accounts that liked or reposted it, newest first, as
    (account id, "liked" | "reposted"): only accounts the person follows and may see, and
    reposts they may see."""
    if not post_ids or not me.followed:
        return {}
    followed = graph.followed_ids(me.id)
    likes = select(Like.post_id, Like.account_id, Like.id, literal("liked")).where(
        among(Like.post_id, post_ids), Like.account_id.in_(followed))
    reposts = select(Post.reblog_of_id, Post.account_id, Post.id, literal("reposted")).where(
        among(Post.reblog_of_id, post_ids), Post.account_id.in_(followed), visible_to(me.id))
    rows: list[Any] = list(await session.execute(union_all(likes, reposts)))
    suspended = set(await session.scalars(select(Account.id).where(
        among(Account.id, {int(r[1]) for r in rows}), Account.suspended_at.is_not(None))))
    rows.sort(key=lambda r: r[2], reverse=True)
    found: dict[int, list[tuple[int, str]]] = {}
    for post_id, account_id, _, how in rows:
        if account_id in me.hidden or account_id in suspended or account_id == me.id:
            continue
        people = found.setdefault(int(post_id), [])
        if all(a != account_id for a, _ in people):
            people.append((int(account_id), str(how)))
    return found


async def history_posts(session: AsyncSession, me: Person, post_ids: set[int]
                        ) -> dict[int, Post]:
    """The person's history posts a reason may name: public ones they may still see, by
    an account they do not hide."""
    if not post_ids:
        return {}
    rows = await session.scalars(select(Post).where(
        among(Post.id, post_ids), listed(), visible_to(me.id),
        and_(Post.account_id.not_in(graph.hidden_author_ids(me.id)))))
    return {p.id: p for p in rows}
