"""The instance's weekly activity (Mastodon's /api/v1/instance/activity): posts, people who
signed in, and sign-ups per week, each read with one grouped query over an indexed range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account, LoginSession
from salon.db.ids import id_floor, utcnow
from salon.oauth.models import OAuthToken
from salon.posts.models import Post

WEEKS = 12


@dataclass
class Week:
    start: datetime  # Monday, midnight UTC
    statuses: int = 0
    logins: int = 0
    registrations: int = 0


def week_starts(weeks: int = WEEKS, now: datetime | None = None) -> list[datetime]:
    """This week's Monday first, then the `weeks - 1` before it."""
    today = (now or utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=i) for i in range(weeks)]


async def _per_week(session: AsyncSession, rows: Any, bucket: Any, counted: Any = None
                    ) -> dict[int, int]:
    """Counts per week index of a subquery's rows (distinct `counted` when given)."""
    inner = rows.add_columns(bucket.label("week")).subquery()
    total = func.count(func.distinct(inner.c[counted])) if counted else func.count()
    found = await session.execute(select(inner.c.week, total).group_by(inner.c.week))
    return {int(week): int(n) for week, n in found if week is not None}


async def weekly(session: AsyncSession, weeks: int = WEEKS) -> list[Week]:
    starts = week_starts(weeks)
    oldest = starts[-1]

    def by_time(column: Any) -> Any:
        return case(*[(column >= start, i) for i, start in enumerate(starts)])

    posts = await _per_week(
        session, select(Post.id).where(Post.id >= id_floor(oldest), Post.reblog_of_id.is_(None)),
        case(*[(Post.id >= id_floor(start), i) for i, start in enumerate(starts)]))
    signups = await _per_week(
        session, select(Account.id).where(Account.created_at >= oldest,
                                 Account.is_assistant.is_(False)),
        by_time(Account.created_at))
    signed_in = union_all(
        select(LoginSession.account_id.label("account_id"),
               LoginSession.created_at.label("at")).where(LoginSession.created_at >= oldest),
        select(OAuthToken.account_id.label("account_id"), OAuthToken.created_at.label("at"))
        .where(OAuthToken.created_at >= oldest, OAuthToken.account_id.is_not(None)),
    ).subquery()
    logins = await _per_week(session, select(signed_in.c.account_id),
                             by_time(signed_in.c.at), "account_id")
    return [Week(start, posts.get(i, 0), logins.get(i, 0), signups.get(i, 0))
            for i, start in enumerate(starts)]
