"""What a person tells For You: "show less like this" or "show more" of a post, or "not
interested" in a post, an account or a tag. Private to them; each change makes the kept
ranking re-rank what it has not shown yet (for_you.page)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.errors import Invalid, NotFound
from salon.feeds.models import Feedback, Ranking
from salon.posts.models import Post, Tag
from salon.posts.visibility import visible_ids

KINDS = ("less", "more", "not_interested")


async def _target(session: AsyncSession, account_id: int, kind: str, post_id: int | None,
                  author_id: int | None, tag: str | None) -> dict[str, int]:
    """The one thing the feedback is about, checked: a post the person may see, another
    account, or an existing tag."""
    if kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}.", "kind")
    given = [n for n, v in (("status_id", post_id), ("account_id", author_id), ("tag", tag))
             if v is not None]
    if len(given) > 1:
        raise Invalid(f"{given[1]}: give only one of status_id, account_id or tag.", given[1])
    if not given:
        raise Invalid("status_id, account_id or tag: give one.", "status_id")
    if kind in ("less", "more") and post_id is None:
        raise Invalid(f"status_id is needed: {kind} is about a post.", "status_id")
    if post_id is not None:
        if post_id not in await visible_ids(session, account_id, [post_id]):
            raise NotFound("status_id names no post you can see.", "status_id")
        post = await session.get(Post, post_id)
        if post is not None and post.reblog_of_id is not None:
            post_id = post.reblog_of_id  # about the original, as the feed shows originals
        return {"post_id": post_id}
    if author_id is not None:
        if author_id == account_id:
            raise Invalid("account_id is your own account.", "account_id")
        if await session.get(Account, author_id) is None:
            raise NotFound("account_id names no account.", "account_id")
        return {"author_id": author_id}
    name = (tag or "").strip().lstrip("#").lower()
    if not name:
        raise Invalid("tag is empty.", "tag")
    tag_id = await session.scalar(select(Tag.id).where(Tag.name == name))
    if tag_id is None:
        raise NotFound("tag names no tag used here.", "tag")
    return {"tag_id": tag_id}


async def _stale(session: AsyncSession, account_id: int) -> None:
    """The kept ranking no longer reflects the feedback: its next page re-ranks."""
    await session.execute(update(Ranking).where(Ranking.account_id == account_id)
                          .values(feedback_id=-1))


async def give(session: AsyncSession, account_id: int, kind: str, *,
               post_id: int | None = None, author_id: int | None = None,
               tag: str | None = None) -> Feedback:
    """Record feedback (giving the same twice keeps one row)."""
    target = await _target(session, account_id, kind, post_id, author_id, tag)
    found = await session.scalar(select(Feedback).where(
        Feedback.account_id == account_id, Feedback.kind == kind,
        *(getattr(Feedback, k) == v for k, v in target.items())))
    if found is None:
        # Less and more of one post exclude each other: the newer stands.
        if "post_id" in target and kind in ("less", "more"):
            await session.execute(delete(Feedback).where(
                Feedback.account_id == account_id, Feedback.post_id == target["post_id"],
                Feedback.kind.in_(("less", "more"))))
        found = Feedback(account_id=account_id, kind=kind, **target)
        session.add(found)
    await _stale(session, account_id)
    await session.flush()
    return found


async def undo(session: AsyncSession, account_id: int, kind: str, *,
               post_id: int | None = None, author_id: int | None = None,
               tag: str | None = None) -> bool:
    """Take feedback back; whether there was any."""
    target = await _target(session, account_id, kind, post_id, author_id, tag)
    gone = await session.execute(delete(Feedback).where(
        Feedback.account_id == account_id, Feedback.kind == kind,
        *(getattr(Feedback, k) == v for k, v in target.items())))
    await _stale(session, account_id)
    return bool(getattr(gone, "rowcount", 0))
