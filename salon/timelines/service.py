"""Reading timelines: home, public, tag, profile, bookmarks, likes, threads, trends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.ids import IdArg, id_floor, id_param, ids_param, utcnow
from salon.graph import service as graph
from salon.lists import service as lists
from salon.media.models import MediaAttachment
from salon.posts import reading
from salon.posts.models import Bookmark, Like, Post, PostTag, Tag
from salon.posts.schemas import PostView
from salon.posts.service import get_visible
from salon.posts.visibility import listed, visible_to
from salon.settings import Settings
from salon.timelines.models import HomeMarker
from salon.timelines.schemas import Cursor, Page
from salon.timelines.store import TimelineStore, timeline_store


async def _page_of_posts(
    session: AsyncSession,
    stmt: Select[Post],
    cursor: Cursor,
    viewer_id: int | None,
    present: reading.Presenter[Any],
) -> Page[Any]:
    posts = list(await session.scalars(cursor.apply(stmt, Post.id)))
    posts.sort(key=lambda p: p.id, reverse=True)
    items = await present(session, posts, viewer_id, ())
    return Page.of(items, [p.id for p in posts], cursor)


def big_account_ids(follower_id: IdArg, limit: int | BindParameter[int]) -> Select[int]:
    """Followed accounts too big to fan out (over `limit` followers): their posts are
    merged in at read time."""
    return select(Account.id).where(
        Account.id.in_(graph.followed_ids(follower_id)),
        Account.followers_count > limit,
    )


# Who is hidden from a reader, and which followed accounts are too big to fan out: one
# query, built once (every home read starts with it). The follower limit is written into
# the SQL: as a parameter, PostgreSQL's generic plan for the prepared statement walked every
# account (2 ms of 2.2 on 11,500 accounts).
_HIDDEN_AND_BIG = union_all(
    select(literal(0), graph.hidden_author_ids(id_param("viewer")).subquery().c[0]),
    select(literal(1), big_account_ids(id_param("viewer"),
                                       bindparam("fanout_limit", literal_execute=True))
           .subquery().c[0]),
    # Members of the reader's exclusive lists, whose posts stay in those lists only.
    select(literal(2), lists.exclusive_member_ids(id_param("viewer")).subquery().c[0]),
)


@lru_cache(maxsize=256)
def _home_posts(merged: int, shape: tuple[bool, bool, bool]) -> Select[Post, Account]:
    """The posts of a home page: the stored ids and one index range per merged author
    (parameters author0…), each filtered by the visibility rule, then paged together.
    Built once per shape."""
    visible = visible_to(id_param("viewer"))
    parts = [select(Post.id).where(Post.id.in_(ids_param("stored")), visible)] + [
        Cursor.bound(select(Post.id).where(Post.account_id == id_param(f"author{i}"), visible),
                     Post.id, shape)
        for i in range(merged)
    ]
    found = union(*(select(part.subquery().c.id) for part in parts)).subquery()
    page = Cursor.bound(select(found.c.id), found.c.id, shape)
    # IN over the paged ids, ordered in Python: with ORDER BY ... LIMIT on posts itself,
    # SQLite walks the whole posts index looking for the few matches. The authors come
    # along, so presenting the page reads none of them again (accounts.get_many).
    return (select(Post, Account).join(Account, Account.id == Post.account_id)
            .where(Post.id.in_(page)))


async def home(
    session: AsyncSession,
    settings: Settings,
    account_id: int,
    cursor: Cursor,
    store: TimelineStore | None = None,
    present: reading.Presenter[Any] = reading.present,
) -> Page[Any]:
    """Followed accounts and self, with reposts; blocks and mutes applied at read (reposts
    of muted or blocked accounts too). While the store rebuilds the timeline, the page
    holds only what is merged in at read and is marked partial."""
    store = store or timeline_store(settings)
    hidden: set[int] = set()
    excluded: set[int] = set()  # in an exclusive list: left out, their reposts too
    authors = [account_id]
    rows: Any = await session.execute(_HIDDEN_AND_BIG, {
        "viewer": account_id, "fanout_limit": settings.fanout_follower_limit})
    for row in rows:
        if row[0] == 1:
            authors.append(row[1])
        else:
            (excluded if row[0] == 2 else hidden).add(row[1])
    stored = await store.read(session, account_id, cursor, hidden | excluded)
    # Own posts, and posts of followed accounts too big to fan out, are merged in at read
    # (one's own post shows at once, before the fan-out job has run).
    merged = [author for author in authors if author not in hidden | excluded]
    found = await session.scalars(_home_posts(len(merged), cursor.shape), {
        "viewer": account_id, "stored": stored or [], **cursor.params,
        **{f"author{i}": author for i, author in enumerate(merged)}})
    posts = list(found)
    posts.sort(key=lambda p: p.id, reverse=True)
    ordered = [p.id for p in posts]
    page = Page.of(await present(session, posts, account_id, hidden), ordered, cursor)
    page.partial = stored is None
    return page


def _not_hidden(viewer_id: int | None) -> list[ColumnElement[bool]]:
    """No posts by accounts the viewer blocked, was blocked by, or muted."""
    if viewer_id is None:
        return []
    return [Post.account_id.not_in(graph.hidden_author_ids(viewer_id))]


def _has_media() -> ColumnElement[bool]:
    """Posts with at least one picture, uploaded or generated."""
    return select(MediaAttachment.id).where(MediaAttachment.post_id == Post.id).exists()


async def public(
    session: AsyncSession, viewer_id: int | None, cursor: Cursor, *, only_media: bool = False,
    present: reading.Presenter[Any] = reading.present,
) -> Page[Any]:
    """The local public timeline: public top-level posts, no reposts."""
    stmt = select(Post).where(
        listed(),
        Post.reblog_of_id.is_(None),
        visible_to(viewer_id),
        # By the replied-to account, which stays set when the parent post is deleted.
        or_(
            Post.in_reply_to_account_id.is_(None),
            Post.in_reply_to_account_id == Post.account_id,
        ),
        *_not_hidden(viewer_id),
    )
    if only_media:
        stmt = stmt.where(_has_media())
    return await _page_of_posts(session, stmt, cursor, viewer_id, present)


async def tag(
    session: AsyncSession, name: str, viewer_id: int | None, cursor: Cursor,
    present: reading.Presenter[Any] = reading.present,
) -> Page[Any]:
    tag_id = select(Tag.id).where(Tag.name == name.lower().lstrip("#")).scalar_subquery()
    stmt = select(Post).where(
        Post.id.in_(select(PostTag.post_id).where(PostTag.tag_id == tag_id)),
        listed(),
        visible_to(viewer_id),
        *_not_hidden(viewer_id),
    )
    return await _page_of_posts(session, stmt, cursor, viewer_id, present)


@dataclass
class ProfileFilter:
    with_replies: bool = False
    only_media: bool = False
    with_reposts: bool = True


async def profile(
    session: AsyncSession,
    account_id: int,
    viewer_id: int | None,
    cursor: Cursor,
    filters: ProfileFilter | None = None,
    tagged: str | None = None,
    present: reading.Presenter[Any] = reading.present,
) -> Page[Any]:
    filters = filters or ProfileFilter()
    stmt = select(Post).where(Post.account_id == account_id, visible_to(viewer_id))
    if tagged:
        tag_id = select(Tag.id).where(Tag.name == tagged.lower().lstrip("#")).scalar_subquery()
        stmt = stmt.where(Post.id.in_(select(PostTag.post_id).where(PostTag.tag_id == tag_id)))
    if not filters.with_replies:
        stmt = stmt.where(
            or_(
                Post.in_reply_to_account_id.is_(None),
                Post.in_reply_to_account_id == account_id,
            )
        )
    if filters.only_media:
        stmt = stmt.where(_has_media())
    if not filters.with_reposts or filters.only_media:
        stmt = stmt.where(Post.reblog_of_id.is_(None))
    return await _page_of_posts(session, stmt, cursor, viewer_id, present)


async def _marked(
    session: AsyncSession, model: type[Bookmark] | type[Like], account_id: int, cursor: Cursor,
    present: reading.Presenter[Any],
) -> Page[Any]:
    """Bookmarks or likes, paged by when they were made."""
    stmt = (
        select(model.id, model.post_id)
        .join(Post, Post.id == model.post_id)
        .where(model.account_id == account_id, visible_to(account_id))
    )
    rows = list(await session.execute(cursor.apply(stmt, model.id)))
    rows.sort(key=lambda r: r[0], reverse=True)
    by_id = {
        p.id: p
        for p in await session.scalars(select(Post).where(Post.id.in_([r[1] for r in rows])))
    }
    items = await present(session, [by_id[r[1]] for r in rows if r[1] in by_id], account_id, ())
    return Page.of(items, [r[0] for r in rows], cursor)


async def bookmarks(session: AsyncSession, account_id: int, cursor: Cursor,
                    present: reading.Presenter[Any] = reading.present) -> Page[Any]:
    return await _marked(session, Bookmark, account_id, cursor, present)


async def likes(session: AsyncSession, account_id: int, cursor: Cursor,
                present: reading.Presenter[Any] = reading.present) -> Page[Any]:
    return await _marked(session, Like, account_id, cursor, present)


@dataclass
class ThreadNode:
    view: PostView
    depth: int


@dataclass
class Thread:
    focus: PostView
    ancestors: list[PostView] = field(default_factory=list)
    descendants: list[ThreadNode] = field(default_factory=list)  # depth-first order


MAX_THREAD = 400


async def thread(session: AsyncSession, post_id: int, viewer_id: int | None) -> Thread:
    """The post, its ancestors (oldest first) and its reply tree, as the viewer may see
    them, less replies of people they muted. Walks level by level: one query per level,
    not per post."""
    focus = await get_visible(session, post_id, viewer_id)
    if focus.reblog_of_id is not None:
        focus = await get_visible(session, focus.reblog_of_id, viewer_id)
    # Replies of accounts the viewer blocked or muted stay out, as in Mastodon's context
    # (the post opened and its ancestors are shown whoever wrote them).
    hidden = ([] if viewer_id is None
              else [Post.account_id.not_in(graph.hidden_author_ids(viewer_id))])
    ancestors: list[Post] = []
    parent_id = focus.in_reply_to_id
    while parent_id is not None and len(ancestors) < 100:
        parent = await session.scalar(
            select(Post).where(Post.id == parent_id, visible_to(viewer_id))
        )
        if parent is None:
            break
        ancestors.append(parent)
        parent_id = parent.in_reply_to_id
    ancestors.reverse()

    children: dict[int, list[Post]] = {}
    level = [focus.id]
    total = 0
    while level and total < MAX_THREAD:
        replies = list(
            await session.scalars(
                select(Post)
                .where(Post.in_reply_to_id.in_(level), visible_to(viewer_id), *hidden)
                .order_by(Post.id)
                .limit(MAX_THREAD - total)
            )
        )
        for reply in replies:
            children.setdefault(reply.in_reply_to_id or 0, []).append(reply)
        total += len(replies)
        level = [r.id for r in replies]

    ordered: list[tuple[Post, int]] = []

    def walk(node_id: int, depth: int) -> None:
        for child in children.get(node_id, []):
            ordered.append((child, depth))
            walk(child.id, depth + 1)

    walk(focus.id, 1)
    views = await reading.present(session, [*ancestors, focus, *(p for p, _ in ordered)], viewer_id)
    by_id = {v.id: v for v in views}
    return Thread(
        focus=by_id[focus.id],
        ancestors=[by_id[p.id] for p in ancestors if p.id in by_id],
        descendants=[ThreadNode(by_id[p.id], d) for p, d in ordered if p.id in by_id],
    )


@dataclass
class TrendingTag:
    name: str
    display_name: str
    posts: int
    accounts: int


async def trending_tags(session: AsyncSession, limit: int = 10) -> list[TrendingTag]:
    """Tags used in public posts in the last 24 hours, by how many people used them."""
    since = id_floor(utcnow() - timedelta(hours=24))
    people = func.count(func.distinct(Post.account_id))
    rows = await session.execute(
        select(Tag.name, Tag.display_name, func.count(), people)
        .join(PostTag, PostTag.tag_id == Tag.id)
        .join(Post, and_(Post.id == PostTag.post_id, listed(), visible_to(None)))
        .where(PostTag.post_id >= since)
        .group_by(Tag.id, Tag.name, Tag.display_name)
        .order_by(people.desc(), func.count().desc(), Tag.name)
        .limit(limit)
    )
    return [TrendingTag(r[0], r[1], r[2], r[3]) for r in rows]


async def search_tags(session: AsyncSession, query: str, limit: int = 10) -> list[Tag]:
    q = query.strip().lstrip("#").lower()
    if not q:
        return []
    pattern = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        await session.scalars(
            select(Tag).where(Tag.name.like(pattern, escape="\\")).order_by(Tag.name).limit(limit)
        )
    )


# Ranking: engagement (a remix counts most: it is new work) decayed by age, as Hacker News
# does, so a picture rises with attention and sinks as it ages.
RANK_WINDOW = timedelta(days=7)
RANK_POOL = 500  # recent candidates scored per request
RANK_GRAVITY = 1.5


def rank_score(post: Post, now: datetime) -> float:
    engagement = (post.likes_count + 2 * post.reposts_count + 3 * post.remixes_count
                  + post.replies_count)
    age_hours = max(0.0, (now - post.created_at).total_seconds() / 3600)
    return (engagement + 1) / (age_hours + 2) ** RANK_GRAVITY


async def ranked(
    session: AsyncSession,
    viewer_id: int | None,
    *,
    limit: int = 20,
    offset: int = 0,
    pictures: bool = False,
    engaged: bool = False,
    tag_name: str | None = None,
) -> list[PostView]:
    """Public posts of the last week ranked by engagement with time decay; `pictures`
    keeps posts with pictures, uploaded or generated (Explore), `engaged` those someone
    reacted to (trends). The pool is bounded, so paging the ranked list by position costs
    no SQL OFFSET."""
    conditions = [Post.id >= id_floor(utcnow() - RANK_WINDOW), listed(),
                  Post.reblog_of_id.is_(None), visible_to(viewer_id), *_not_hidden(viewer_id)]
    if engaged:
        conditions.append(Post.likes_count + Post.reposts_count + Post.remixes_count
                          + Post.replies_count > 0)
    if pictures:
        conditions.append(_has_media())
    if tag_name:
        tag_id = select(Tag.id).where(Tag.name == tag_name.lower().lstrip("#"))
        conditions.append(Post.id.in_(
            select(PostTag.post_id).where(PostTag.tag_id == tag_id.scalar_subquery())
        ))
    pool = list(await session.scalars(
        select(Post).where(*conditions).order_by(Post.id.desc()).limit(RANK_POOL)
    ))
    now = utcnow()
    pool.sort(key=lambda p: (rank_score(p, now), p.id), reverse=True)
    return await reading.present(session, pool[offset:offset + limit], viewer_id)


async def home_marker(session: AsyncSession, account_id: int) -> HomeMarker | None:
    return await session.get(HomeMarker, account_id)


async def save_home_marker(session: AsyncSession, account_id: int, last_read_id: int
                           ) -> HomeMarker:
    """Remember where the account stopped reading home (any position, newer or older)."""
    marker = await session.get(HomeMarker, account_id)
    if marker is None:
        marker = HomeMarker(account_id=account_id, last_read_id=last_read_id, version=0)
        session.add(marker)
    marker.last_read_id = last_read_id
    marker.version += 1
    marker.updated_at = utcnow()
    await session.flush()
    return marker
