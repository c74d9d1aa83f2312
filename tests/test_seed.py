"""`salon seed`, the README's first command: demo people, posts and generated pictures, on a
small instance too, and nothing added twice."""

from __future__ import annotations

from sqlalchemy import func, select

from salon.accounts.models import Account
from salon.db.session import Database
from salon.generation.models import Generation
from salon.posts.models import Post
from salon.seed import run_seed
from salon.settings import Settings


async def _counts(settings: Settings) -> list[int]:
    """Accounts, posts and generations."""
    db = Database(settings)
    try:
        async with db.sessions() as session:
            return [int(await session.scalar(select(func.count()).select_from(t)) or 0)
                    for t in (Account, Post, Generation)]
    finally:
        await db.dispose()


async def test_seed_fills_a_small_instance_once(settings: Settings) -> None:
    said: list[str] = []
    await run_seed(settings, n_accounts=4, n_posts=12, echo=said.append)
    people, posts, generations = await _counts(settings)
    assert people == 4 and posts >= 12 and generations > 0, said
    await run_seed(settings, n_accounts=4, n_posts=12, echo=said.append)
    assert await _counts(settings) == [people, posts, generations]
    assert any("already there" in line for line in said)
