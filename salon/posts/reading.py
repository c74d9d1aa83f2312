"""Turning pages of posts into PostViews for one viewer in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import CompoundSelect, exists, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import id_param, ids_param, utcnow
from salon.generation import posting as generated
from salon.media import service as media
from salon.posts.models import (
    Bookmark,
    ConversationMute,
    Like,
    Pin,
    Poll,
    PollOption,
    PollVote,
    Post,
)
from salon.posts.schemas import PollOptionView, PollView, PostView
from salon.posts.visibility import visible_to

T = TypeVar("T")
# Turns a page of posts into what an interface shows, for one viewer, leaving out reposts of
# `hidden` authors: `present` gives PostViews; the API gives its JSON.
Presenter = Callable[[AsyncSession, Sequence[Post], "int | None", Collection[int]],
                     Awaitable[list[T]]]


# The reads every page makes, built once (building costs more than running them).
_VISIBLE_TO_ANYONE = select(Post).where(Post.id.in_(ids_param("ids")), visible_to(None))
_VISIBLE_TO_VIEWER = select(Post).where(Post.id.in_(ids_param("ids")),
                                        visible_to(id_param("viewer")))
_POLLS = (select(Poll, PollOption).join(PollOption, PollOption.poll_id == Poll.id)
          .where(Poll.post_id.in_(ids_param("ids"))).order_by(PollOption.position))
_OWN_VOTES = select(PollVote.poll_id, PollVote.position).where(
    PollVote.poll_id.in_(ids_param("ids")), PollVote.account_id == id_param("viewer"))
_FLAGS: CompoundSelect = union_all(
    select(literal(0), Like.post_id)
    .where(Like.account_id == id_param("viewer"), Like.post_id.in_(ids_param("ids"))),
    select(literal(1), Bookmark.post_id)
    .where(Bookmark.account_id == id_param("viewer"), Bookmark.post_id.in_(ids_param("ids"))),
    select(literal(2), Pin.post_id)
    .where(Pin.account_id == id_param("viewer"), Pin.post_id.in_(ids_param("ids"))),
    select(literal(3), Post.reblog_of_id)
    .where(Post.account_id == id_param("viewer"), Post.reblog_of_id.in_(ids_param("ids"))),
    # One row (0) when the viewer muted some thread: only then are the threads looked up.
    select(literal(4), literal(0))
    .where(exists().where(ConversationMute.account_id == id_param("viewer"))),
)


async def visible(
    session: AsyncSession, ids: set[int], viewer_id: int | None
) -> dict[int, Post]:
    if not ids:
        return {}
    if viewer_id is None:
        rows = await session.scalars(_VISIBLE_TO_ANYONE, {"ids": list(ids)})
    else:
        rows = await session.scalars(_VISIBLE_TO_VIEWER, {"ids": list(ids), "viewer": viewer_id})
    return {p.id: p for p in rows}


async def polls(
    session: AsyncSession, post_ids: list[int], viewer_id: int | None
) -> dict[int, PollView]:
    polls: dict[int, Poll] = {}
    options: dict[int, list[PollOptionView]] = {}
    for poll, option in await session.execute(_POLLS, {"ids": post_ids}):
        polls[poll.id] = poll
        options.setdefault(poll.id, []).append(PollOptionView(option.title, option.votes_count))
    if not polls:
        return {}
    own: dict[int, list[int]] = {poll_id: [] for poll_id in polls}
    if viewer_id is not None:
        for poll_id, position in await session.execute(
                _OWN_VOTES, {"ids": list(polls), "viewer": viewer_id}):
            own[poll_id].append(position)
    now = utcnow()
    return {
        p.post_id: PollView(
            id=p.id,
            expires_at=p.expires_at,
            expired=p.expires_at <= now,
            multiple=p.multiple,
            voters_count=p.voters_count,
            options=options[p.id],
            own_votes=own[p.id],
        )
        for p in polls.values()
    }


async def flags(
    session: AsyncSession, ids: list[int], viewer_id: int
) -> tuple[set[int], set[int], set[int], set[int], set[int]]:
    """Which of `ids` the viewer liked, bookmarked, pinned, reposted and whose threads
    they muted: one query, and one more for the threads of a viewer who muted some."""
    rows: Any = await session.execute(_FLAGS, {"viewer": viewer_id, "ids": list(ids)})
    found: tuple[set[int], set[int], set[int], set[int], set[int]] = (
        set(), set(), set(), set(), set())
    for row in rows:
        found[row[0]].add(row[1])
    if found[4]:
        from salon.posts.thread_mutes import muted_among

        found[4].clear()
        found[4].update(await muted_among(session, viewer_id, ids))
    return found


async def applications(
    session: AsyncSession, posts: Iterable[Post]
) -> dict[int, tuple[str, str | None]]:
    """(name, website) of the apps that posted these posts, by app id: one query, none
    when no post came from an app."""
    from salon.oauth.models import OAuthApp

    ids = {p.application_id for p in posts if p.application_id}
    if not ids:
        return {}
    rows = await session.execute(
        select(OAuthApp.id, OAuthApp.name, OAuthApp.website).where(OAuthApp.id.in_(ids)))
    return {int(r[0]): (str(r[1]), r[2]) for r in rows}


async def linked(
    session: AsyncSession, posts: Sequence[Post], viewer_id: int | None
) -> dict[int, Post]:
    """The reposted and quoted originals of `posts` that the viewer may see, and the posts
    those originals quote (shown one level deep)."""
    found = await visible(
        session,
        {p.reblog_of_id for p in posts if p.reblog_of_id}
        | {p.quote_of_id for p in posts if p.quote_of_id},
        viewer_id,
    )
    found.update(await visible(
        session,
        {p.quote_of_id for p in found.values() if p.quote_of_id} - set(found),
        viewer_id,
    ))
    return found


async def present(
    session: AsyncSession,
    posts: Sequence[Post],
    viewer_id: int | None,
    hidden: Collection[int] = (),
) -> list[PostView]:
    """PostViews in the given order. Reposts whose original the viewer may not see, or whose
    original's author is in `hidden`, are dropped; quotes of such posts are marked
    unavailable."""
    if not posts:
        return []
    linked_posts = await linked(session, posts, viewer_id)
    everything = {p.id: p for p in posts} | linked_posts
    sources = await visible(
        session, {p.remix_of_id for p in everything.values() if p.remix_of_id}, viewer_id
    )
    authors = await accounts.get_many(
        session,
        {p.account_id for p in everything.values()}
        | {p.in_reply_to_account_id for p in everything.values() if p.in_reply_to_account_id}
        | {p.account_id for p in sources.values()},
    )
    recipes = await generated.for_posts(session, list(everything.values()))
    ids = list(everything)
    media_by_post = await media.for_posts(session, ids)
    poll_views = await polls(session, ids, viewer_id)
    apps = await applications(session, everything.values())
    liked = reposted = bookmarked = pinned = muted = set[int]()
    if viewer_id is not None:
        liked, bookmarked, pinned, reposted, muted = await flags(session, ids, viewer_id)

    def view(post: Post, depth: int = 0) -> PostView | None:
        author = authors.get(post.account_id)
        if author is None or (depth == 0 and not post.reblog_of_id and author.id in hidden):
            return None
        item = PostView(
            post=post,
            author=author,
            media=media_by_post.get(post.id, []),
            poll=poll_views.get(post.id),
            liked=post.id in liked,
            reposted=post.id in reposted,
            bookmarked=post.id in bookmarked,
            pinned=post.id in pinned,
            muted=post.id in muted,
            in_reply_to=authors.get(post.in_reply_to_account_id or 0),
            application=apps.get(post.application_id or 0),
        )
        if (made := recipes.get(post.id)) is not None:
            item.made_with, item.ai_generated = made.engine, made.ai_generated
            item.recipe, item.recipes = made.recipe, made.pictures
        if post.remix_of_id and (source := sources.get(post.remix_of_id)) is not None:
            item.remix_of, item.remix_of_author = source, authors.get(source.account_id)
        if post.reblog_of_id:
            original = linked_posts.get(post.reblog_of_id)
            shown = depth == 0 and original is not None and original.account_id not in hidden
            item.reblog = view(original, depth + 1) if original and shown else None
            if item.reblog is None:
                return None
        if post.quote_of_id and depth < 2:
            quoted = linked_posts.get(post.quote_of_id)
            item.quote = view(quoted, depth + 1) if quoted else None
            item.quote_unavailable = item.quote is None
        return item

    return [v for p in posts if (v := view(p)) is not None]


async def mentioned_accounts(
    session: AsyncSession, post_ids: Sequence[int]
) -> dict[int, list[Account]]:
    """The accounts each post mentions, for a page of posts in two queries."""
    from salon.posts.models import Mention

    pairs = list(await session.execute(
        select(Mention.post_id, Mention.account_id).where(Mention.post_id.in_(list(post_ids)))
    ))
    people = await accounts.get_many(session, {a for _, a in pairs})
    found: dict[int, list[Account]] = {}
    for post_id, account_id in pairs:
        if account_id in people:
            found.setdefault(post_id, []).append(people[account_id])
    return found
