"""Following hashtags (their public posts enter home) and featuring them on a profile; the
usage history of a tag, read from posts with one grouped query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import id_floor, new_id, utcnow
from salon.db.session import insert_or_ignore
from salon.errors import Invalid, NotFound
from salon.graph import service as graph
from salon.posts.models import Post, PostTag, Tag, Visibility
from salon.posts.visibility import OPEN, listed, visible_to
from salon.tags.models import FeaturedTag, TagFollow
from salon.timelines.schemas import Cursor

# As the post parser finds them (posts/text.py TAG_RE): letters, digits and _, 100 at most.
NAME = re.compile(r"\w{1,100}")
MAX_FEATURED = 10  # hashtags one profile features, as on Mastodon
HISTORY_DAYS = 7
SUGGESTED = 10

Day = tuple[datetime, int, int]  # (midnight UTC, uses, accounts)


def key(name: str) -> str | None:
    """A hashtag's lower-case key, or None when `name` is not one (a leading # is allowed)."""
    name = name.removeprefix("#")
    lowered = name.lower()  # which may be longer: "İ" lower-cases to two code points
    return lowered if NAME.fullmatch(name) and len(lowered) <= 100 else None


def checked_key(name: str, field: str = "name") -> str:
    found = key(name)
    if found is None:
        raise Invalid(f"{field} must be a hashtag: letters, digits and _ (at most 100).", field)
    return found


async def find(session: AsyncSession, name: str) -> Tag | None:
    found = key(name)
    return None if found is None else await session.scalar(select(Tag).where(Tag.name == found))


async def ensure(session: AsyncSession, name: str, field: str = "name") -> Tag:
    """The tag, made when nobody has used it yet (following or featuring makes it)."""
    tag_key = checked_key(name, field)
    if await session.scalar(select(Tag.id).where(Tag.name == tag_key)) is None:
        # One statement that leaves the tag as it is when someone made it meanwhile.
        await _insert_new(session, Tag, {"name": tag_key, "display_name": name.removeprefix("#")})
    tag = await session.scalar(select(Tag).where(Tag.name == tag_key))
    assert tag is not None
    return tag


async def _insert_new(session: AsyncSession, model: type[Tag | TagFollow | FeaturedTag],
                      values: dict[str, object]) -> None:
    """Insert a row unless a unique key has it already (two requests at once make one)."""
    await insert_or_ignore(session, model, {"id": new_id(), "created_at": utcnow(), **values})


# Following.

async def follow(session: AsyncSession, account_id: int, name: str) -> Tag:
    tag = await ensure(session, name)
    await _insert_new(session, TagFollow, {"account_id": account_id, "tag_id": tag.id})
    return tag


async def unfollow(session: AsyncSession, account_id: int, tag_id: int) -> None:
    await session.execute(delete(TagFollow).where(TagFollow.account_id == account_id,
                                                  TagFollow.tag_id == tag_id))


async def followed(session: AsyncSession, account_id: int, tag_ids: list[int]) -> set[int]:
    """Which of `tag_ids` the account follows."""
    if not tag_ids:
        return set()
    return set(await session.scalars(select(TagFollow.tag_id).where(
        TagFollow.account_id == account_id, TagFollow.tag_id.in_(tag_ids))))


async def followed_page(session: AsyncSession, account_id: int, cursor: Cursor
                        ) -> list[tuple[int, Tag]]:
    """(follow id, tag) newest follow first, paged by the follow's id."""
    stmt = (select(TagFollow.id, Tag).join(Tag, Tag.id == TagFollow.tag_id)
            .where(TagFollow.account_id == account_id))
    rows = [(int(r[0]), r[1]) for r in await session.execute(cursor.apply(stmt, TagFollow.id))]
    return sorted(rows, key=lambda r: r[0], reverse=True)


def followed_tag_ids(account_id: int) -> Select[int]:
    return select(TagFollow.tag_id).where(TagFollow.account_id == account_id)


def followers_of_post(post_id: int, author_id: int) -> Select[int]:
    """Accounts that follow one of the post's hashtags and may be shown the author's posts:
    not the author, nobody who blocks or mutes the author or whom the author blocks. Only
    for public posts (fan-out checks)."""
    return select(TagFollow.account_id).where(
        TagFollow.tag_id.in_(select(PostTag.tag_id).where(PostTag.post_id == post_id)),
        TagFollow.account_id != author_id,
        TagFollow.account_id.not_in(graph.hiding_ids(author_id)),
    )


def followed_posts(account_id: int) -> Select[int]:
    """Ids of the public original posts carrying a hashtag the account follows (for a
    rebuild of home from the database)."""
    return select(PostTag.post_id).where(PostTag.tag_id.in_(followed_tag_ids(account_id)))


def reaches_tag_followers(post: Post) -> bool:
    """Which posts enter the homes of their hashtags' followers: public originals, as on
    Mastodon (not unlisted, followers-only or direct posts, nor reposts)."""
    return post.visibility == Visibility.public and post.reblog_of_id is None


# Featuring.

@dataclass
class Featured:
    id: int
    name: str
    statuses_count: int
    last_status_at: datetime | None


async def featured(session: AsyncSession, account_id: int) -> list[Featured]:
    """The account's featured tags, oldest first, each with its count of the account's
    public and unlisted posts (reposts not counted) and the last one's time: two queries."""
    usage = (select(PostTag.tag_id, func.count().label("n"), func.max(Post.id).label("last"))
             .join(Post, Post.id == PostTag.post_id)
             .where(Post.account_id == account_id, Post.visibility.in_(OPEN),
                    Post.reblog_of_id.is_(None),
                    PostTag.tag_id.in_(select(FeaturedTag.tag_id)
                                       .where(FeaturedTag.account_id == account_id)))
             .group_by(PostTag.tag_id).subquery())
    rows = list(await session.execute(
        select(FeaturedTag.id, Tag.display_name, usage.c.n, usage.c.last)
        .join(Tag, Tag.id == FeaturedTag.tag_id)
        .outerjoin(usage, usage.c.tag_id == FeaturedTag.tag_id)
        .where(FeaturedTag.account_id == account_id)
        .order_by(FeaturedTag.id)))
    times = await _post_times(session, [int(r[3]) for r in rows if r[3] is not None])
    return [Featured(int(r[0]), r[1], int(r[2] or 0),
                     times.get(int(r[3])) if r[3] is not None else None) for r in rows]


async def _post_times(session: AsyncSession, post_ids: list[int]) -> dict[int, datetime]:
    if not post_ids:
        return {}
    return {int(r[0]): r[1] for r in await session.execute(
        select(Post.id, Post.created_at).where(Post.id.in_(post_ids)))}


async def feature(session: AsyncSession, account_id: int, name: str) -> int:
    """Feature a hashtag on the account's profile; its FeaturedTag id (the existing one when
    already featured)."""
    tag = await ensure(session, name)
    have = list(await session.execute(select(FeaturedTag.id, FeaturedTag.tag_id)
                                      .where(FeaturedTag.account_id == account_id)))
    for featured_id, tag_id in have:
        if tag_id == tag.id:
            return int(featured_id)
    if len(have) >= MAX_FEATURED:
        raise Invalid(f"At most {MAX_FEATURED} hashtags can be featured.", "name")
    await _insert_new(session, FeaturedTag, {"account_id": account_id, "tag_id": tag.id})
    made = await session.scalar(select(FeaturedTag.id).where(
        FeaturedTag.account_id == account_id, FeaturedTag.tag_id == tag.id))
    assert made is not None
    return int(made)


async def unfeature(session: AsyncSession, account_id: int, featured_id: int) -> None:
    result = await session.execute(delete(FeaturedTag).where(
        FeaturedTag.id == featured_id, FeaturedTag.account_id == account_id))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("Record not found")


async def unfeature_tag(session: AsyncSession, account_id: int, tag_id: int) -> None:
    await session.execute(delete(FeaturedTag).where(FeaturedTag.account_id == account_id,
                                                    FeaturedTag.tag_id == tag_id))


async def featuring(session: AsyncSession, account_id: int, tag_ids: list[int]) -> set[int]:
    if not tag_ids:
        return set()
    return set(await session.scalars(select(FeaturedTag.tag_id).where(
        FeaturedTag.account_id == account_id, FeaturedTag.tag_id.in_(tag_ids))))


async def suggestions(session: AsyncSession, account_id: int, limit: int = SUGGESTED
                      ) -> list[Tag]:
    """The account's most used hashtags it does not feature yet, as Mastodon suggests."""
    uses = func.count()
    rows = await session.execute(
        select(Tag, uses).join(PostTag, PostTag.tag_id == Tag.id)
        .join(Post, Post.id == PostTag.post_id)
        .where(Post.account_id == account_id, Post.reblog_of_id.is_(None),
               Tag.id.not_in(select(FeaturedTag.tag_id)
                             .where(FeaturedTag.account_id == account_id)))
        .group_by(Tag.id).order_by(uses.desc(), Tag.name).limit(limit))
    return [r[0] for r in rows]


# History.

def _midnight(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


async def history(session: AsyncSession, tag_ids: list[int], days: int = HISTORY_DAYS
                  ) -> dict[int, list[Day]]:
    """Per tag, the last `days` days (today first): public posts using it and how many
    accounts posted them, from one grouped query over an id range."""
    today = _midnight(utcnow())
    starts = [today - timedelta(days=i) for i in range(days)]
    found: dict[tuple[int, int], tuple[int, int]] = {}
    if tag_ids:
        day = case(*[(Post.id >= id_floor(start), i) for i, start in enumerate(starts)])
        rows = (select(PostTag.tag_id.label("tag_id"), day.label("day"),
                       Post.account_id.label("account_id"))
                .join(Post, and_(Post.id == PostTag.post_id, listed(), visible_to(None)))
                .where(PostTag.tag_id.in_(tag_ids), PostTag.post_id >= id_floor(starts[-1]))
                .subquery())
        for tag_id, index, uses, people in await session.execute(
                select(rows.c.tag_id, rows.c.day, func.count(),
                       func.count(func.distinct(rows.c.account_id)))
                .group_by(rows.c.tag_id, rows.c.day)):
            found[(int(tag_id), int(index))] = (int(uses), int(people))
    return {tag_id: [(start, *found.get((tag_id, i), (0, 0))) for i, start in enumerate(starts)]
            for tag_id in tag_ids}


def empty_history(days: int = HISTORY_DAYS) -> list[Day]:
    today = _midnight(utcnow())
    return [(today - timedelta(days=i), 0, 0) for i in range(days)]
