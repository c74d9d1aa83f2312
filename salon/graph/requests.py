"""Follow requests to locked accounts: listed, authorized or rejected by their owner; and
followers removed by the account they follow."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.errors import NotFound
from salon.graph import service as graph
from salon.graph.models import FollowRequest


async def pending(session: AsyncSession, account_id: int, *, max_id: int | None = None,
                  since_id: int | None = None, limit: int = 40) -> list[tuple[int, int]]:
    """(request id, requester id) pairs waiting for `account_id`, newest first."""
    query = select(FollowRequest.id, FollowRequest.account_id).where(
        FollowRequest.target_id == account_id,
        FollowRequest.account_id.not_in(accounts.suspended_ids()),
    )
    if max_id is not None:
        query = query.where(FollowRequest.id < max_id)
    if since_id is not None:
        query = query.where(FollowRequest.id > since_id)
    rows = await session.execute(query.order_by(FollowRequest.id.desc()).limit(limit))
    return [(r[0], r[1]) for r in rows]


async def count(session: AsyncSession, account_id: int) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(FollowRequest).where(
            FollowRequest.target_id == account_id,
            FollowRequest.account_id.not_in(accounts.suspended_ids()))) or 0)


async def authorize(session: AsyncSession, account_id: int, requester_id: int) -> None:
    """Accept `requester_id`'s request: the follow starts as any follow does (home backfill,
    a `follow` notification). 404 if there is no such request."""
    found = await graph.withdraw_request(session, requester_id, account_id)
    if found is None:
        raise NotFound("Record not found")
    if not await graph.is_following(session, requester_id, account_id):
        await graph.start_following(session, requester_id, account_id,
                                    reposts=found.show_reposts, notify=found.notify)


async def reject(session: AsyncSession, account_id: int, requester_id: int) -> None:
    if await graph.withdraw_request(session, requester_id, account_id) is None:
        raise NotFound("Record not found")


async def remove_from_followers(session: AsyncSession, account_id: int, follower_id: int
                                ) -> None:
    """End `follower_id`'s follow of `account_id`, as if they had unfollowed."""
    await accounts.get(session, follower_id)
    await graph.unfollow(session, follower_id, account_id)
