"""Lists: making and changing them, their members, and their timeline.

A list's timeline is read from the posts of its members at read time (one index range per
request, on posts(account_id, id)), not fanned out into stored timelines: lists are few
and small (MEMBERS_PER_LIST), and the rules they apply (replies_policy, reposts, blocks and
mutes) then hold for a list changed a moment ago, with no rebuild."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from salon.accounts.models import Account
from salon.db.ids import IdArg
from salon.errors import Invalid, NotFound
from salon.graph import service as graph
from salon.graph.models import Follow
from salon.lists.models import AccountList, ListMember
from salon.posts import reading
from salon.posts.models import Post, Visibility
from salon.posts.visibility import visible_to
from salon.timelines.schemas import Cursor, Page

TITLE_MAX = 100  # characters in a title
LISTS_PER_ACCOUNT = 50  # as Mastodon's List::PER_ACCOUNT_LIMIT
MEMBERS_PER_LIST = 500  # Mastodon sets none; a list's timeline reads every member's posts
POLICIES = ("followed", "list", "none")
NOT_FOUND = "Record not found"  # Mastodon's words for a list that is not the reader's


async def owned(session: AsyncSession, owner_id: int) -> list[AccountList]:
    return list(await session.scalars(
        select(AccountList).where(AccountList.account_id == owner_id)
        .order_by(AccountList.title, AccountList.id)))


async def get_own(session: AsyncSession, owner_id: int, list_id: int) -> AccountList:
    """The owner's list; anyone else's, or none, is not found (a list is private)."""
    found = await session.get(AccountList, list_id)
    if found is None or found.account_id != owner_id:
        raise NotFound(NOT_FOUND)
    return found


def _title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise Invalid("title can't be blank.", "title")
    if len(title) > TITLE_MAX:
        raise Invalid(f"title must be at most {TITLE_MAX} characters.", "title")
    return title


def _policy(policy: str) -> str:
    if policy not in POLICIES:
        raise Invalid("replies_policy must be one of " + ", ".join(POLICIES) + ".",
                      "replies_policy")
    return policy


async def create(session: AsyncSession, owner_id: int, title: str, *,
                 replies_policy: str = "list", exclusive: bool = False) -> AccountList:
    made = AccountList(account_id=owner_id, title=_title(title),
                       replies_policy=_policy(replies_policy), exclusive=exclusive)
    count = await session.scalar(
        select(func.count()).select_from(AccountList).where(AccountList.account_id == owner_id))
    if (count or 0) >= LISTS_PER_ACCOUNT:
        raise Invalid(f"You have reached the maximum of {LISTS_PER_ACCOUNT} lists.", "title")
    session.add(made)
    await session.flush()
    return made


async def update(session: AsyncSession, owner_id: int, list_id: int, *,
                 title: str | None = None, replies_policy: str | None = None,
                 exclusive: bool | None = None) -> AccountList:
    found = await get_own(session, owner_id, list_id)
    if title is not None:
        found.title = _title(title)
    if replies_policy is not None:
        found.replies_policy = _policy(replies_policy)
    if exclusive is not None:
        found.exclusive = exclusive
    await session.flush()
    return found


async def remove(session: AsyncSession, owner_id: int, list_id: int) -> None:
    await session.delete(await get_own(session, owner_id, list_id))
    await session.flush()


async def members(session: AsyncSession, owner_id: int, list_id: int, *,
                  max_id: int | None = None, limit: int | None = 40) -> list[tuple[int, int]]:
    """(row id, account id) of members, newest first, paged by row; limit None: all."""
    await get_own(session, owner_id, list_id)
    stmt = select(ListMember.id, ListMember.account_id).where(ListMember.list_id == list_id)
    if max_id is not None:
        stmt = stmt.where(ListMember.id < max_id)
    rows = await session.execute(stmt.order_by(ListMember.id.desc())
                                 .limit(limit or MEMBERS_PER_LIST))
    return [(int(r[0]), int(r[1])) for r in rows]


async def add(session: AsyncSession, owner_id: int, list_id: int, account_ids: list[int]
              ) -> None:
    """Add accounts the owner follows (as Mastodon: an unknown account is not found, one
    not followed is refused); adding a member again changes nothing."""
    await get_own(session, owner_id, list_id)
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        raise Invalid("account_ids must name at least one account.", "account_ids")
    known = set(await session.scalars(select(Account.id).where(
        Account.id.in_(wanted), Account.suspended_at.is_(None), Account.approved.is_(True))))
    if missing := [i for i in wanted if i not in known]:
        raise NotFound(NOT_FOUND + f": no account {missing[0]}.", "account_ids")
    followed = set(await session.scalars(select(Follow.followee_id).where(
        Follow.follower_id == owner_id, Follow.followee_id.in_(wanted))))
    if unfollowed := [i for i in wanted if i not in followed]:
        raise Invalid(f"account_ids: you must follow account {unfollowed[0]} to add it "
                      "to a list.", "account_ids")
    already = set(await session.scalars(select(ListMember.account_id).where(
        ListMember.list_id == list_id, ListMember.account_id.in_(wanted))))
    new = [i for i in wanted if i not in already]
    count = await session.scalar(
        select(func.count()).select_from(ListMember).where(ListMember.list_id == list_id))
    if (count or 0) + len(new) > MEMBERS_PER_LIST:
        raise Invalid(f"account_ids: a list holds at most {MEMBERS_PER_LIST} accounts.",
                      "account_ids")
    session.add_all(ListMember(list_id=list_id, account_id=i) for i in new)
    await session.flush()


async def take_out(session: AsyncSession, owner_id: int, list_id: int,
                   account_ids: list[int]) -> None:
    await get_own(session, owner_id, list_id)
    if account_ids:
        await session.execute(delete(ListMember).where(
            ListMember.list_id == list_id, ListMember.account_id.in_(account_ids)))


async def with_member(session: AsyncSession, owner_id: int, account_id: int
                      ) -> list[AccountList]:
    """The owner's lists that hold the account."""
    return list(await session.scalars(
        select(AccountList).where(
            AccountList.account_id == owner_id,
            AccountList.id.in_(select(ListMember.list_id)
                               .where(ListMember.account_id == account_id)))
        .order_by(AccountList.title, AccountList.id)))


def exclusive_member_ids(owner_id: IdArg) -> Select[int]:
    """Accounts in the owner's exclusive lists: their posts leave the owner's home."""
    return select(ListMember.account_id).join(
        AccountList, AccountList.id == ListMember.list_id).where(
        AccountList.account_id == owner_id, AccountList.exclusive.is_(True))


def shows(owner_id: Any, list_id: Any, policy: Any) -> ColumnElement[bool]:
    """SQL condition on Post: a member's post belongs in the list (each argument a value or
    a column, so fan-out can ask it of every list at once). Direct posts never do;
    reposts as in home (unless the owner hid the member's reposts); a reply shows when
    it answers the member themselves or the owner, or, by replies_policy, an account the
    owner follows (`followed`) or a member (`list`), as Mastodon's lists."""
    to = Post.in_reply_to_account_id
    member = aliased(ListMember)  # not the outer query's, which fan-out joins
    reposts_shown = exists().where(Follow.follower_id == owner_id,
                                   Follow.followee_id == Post.account_id,
                                   Follow.show_reposts.is_(True))
    return and_(
        Post.visibility != Visibility.direct,
        or_(Post.reblog_of_id.is_(None), reposts_shown),
        or_(to.is_(None), to == Post.account_id, to == owner_id,
            and_(policy == "followed", to.in_(
                select(Follow.followee_id).where(Follow.follower_id == owner_id))),
            and_(policy == "list", to.in_(
                select(member.account_id).where(member.list_id == list_id)))),
    )


async def timeline(session: AsyncSession, owner_id: int, list_id: int, cursor: Cursor,
                   present: reading.Presenter[Any] = reading.present) -> Page[Any]:
    """Posts by the list's members that the owner may see, with blocks and mutes applied
    (reposts of hidden accounts too), newest first."""
    found = await get_own(session, owner_id, list_id)
    hidden = set(await session.scalars(graph.hidden_author_ids(owner_id)))
    stmt = select(Post).where(
        Post.account_id.in_(select(ListMember.account_id)
                            .where(ListMember.list_id == list_id)),
        visible_to(owner_id),
        shows(owner_id, list_id, found.replies_policy),
    )
    if hidden:
        stmt = stmt.where(Post.account_id.not_in(hidden))
    posts = list(await session.scalars(cursor.apply(stmt, Post.id)))
    posts.sort(key=lambda p: p.id, reverse=True)
    items = await present(session, posts, owner_id, hidden)
    return Page.of(items, [p.id for p in posts], cursor)


def carrying(author_id: int) -> Select[int]:
    """Ids of the lists that hold the author (whose streams may carry the author's posts)."""
    return select(ListMember.list_id).where(ListMember.account_id == author_id)


def showing(post_id: int) -> Select[int]:
    """Ids of the lists whose timeline shows this post (for live updates)."""
    return (select(AccountList.id)
            .join(ListMember, ListMember.list_id == AccountList.id)
            .join(Post, Post.id == post_id)
            .where(ListMember.account_id == Post.account_id,
                   shows(AccountList.account_id, AccountList.id, AccountList.replies_policy)))


def exclusive_owner_ids(author_id: int) -> Select[int]:
    """Accounts that keep the author out of their home (an exclusive list holds them)."""
    return select(AccountList.account_id).join(
        ListMember, ListMember.list_id == AccountList.id).where(
        ListMember.account_id == author_id, AccountList.exclusive.is_(True))
