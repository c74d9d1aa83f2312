"""Who may see a post. One rule, as a SQL condition, used by every timeline, search, thread,
profile and notification read, so none of them can disagree about a private post."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.db.ids import IdArg
from salon.graph import service as graph
from salon.posts.models import Mention, Post, Visibility

OPEN = (Visibility.public, Visibility.unlisted)


def visible_to(viewer_id: IdArg | None) -> ColumnElement[bool]:
    """SQL condition on Post: the viewer may see it. Public and unlisted posts are seen by
    all; followers-only by the author, followers and mentioned accounts; direct by the author
    and mentioned accounts. Blocks either way and suspended authors hide everything."""
    not_suspended = Post.account_id.not_in(accounts.suspended_ids())
    if viewer_id is None:
        return and_(Post.visibility.in_(OPEN), not_suspended)
    mentioned = exists().where(Mention.post_id == Post.id, Mention.account_id == viewer_id)
    return and_(
        not_suspended,
        Post.account_id.not_in(graph.blocking_ids(viewer_id)),
        or_(
            Post.visibility.in_(OPEN),
            Post.account_id == viewer_id,
            and_(
                Post.visibility == Visibility.private,
                Post.account_id.in_(graph.followed_ids(viewer_id)),
            ),
            mentioned,
        ),
    )


def listed() -> ColumnElement[bool]:
    """Posts that belong on public timelines, tag pages and trends."""
    return Post.visibility == Visibility.public


async def visible_ids(
    session: AsyncSession, viewer_id: int | None, post_ids: Iterable[int]
) -> set[int]:
    """Which of these posts the viewer may see, in one query."""
    wanted = list(set(post_ids))
    if not wanted:
        return set()
    rows = await session.scalars(select(Post.id).where(Post.id.in_(wanted), visible_to(viewer_id)))
    return set(rows)
