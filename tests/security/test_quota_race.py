"""The daily image allowance holds under concurrent requests: the count and the insert
happen under one lock per account (a row lock on PostgreSQL, the write lock on SQLite)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from salon.accounts.models import Account
from salon.db.session import Database
from salon.errors import RateLimited
from salon.generation import service as generation
from salon.generation.models import Generation
from salon.generation.schemas import GenerationSpec
from salon.settings import Settings
from tests.conftest import People

ALLOWANCE = 5
REQUESTS = 8


async def test_concurrent_requests_never_overshoot_the_allowance(
    db: Database, settings: Settings, people: People
) -> None:
    settings.generation_daily_quota = ALLOWANCE
    alice = await people.make("alice")

    async def ask(n: int) -> bool:
        async with db.sessions() as session, session.begin():
            account = await session.get(Account, alice.id)
            assert account is not None
            try:
                await generation.request(session, settings, account,
                                         GenerationSpec(f"kite {n}", count=2))
            except RateLimited:
                return False
            return True

    accepted = await asyncio.gather(*(ask(n) for n in range(REQUESTS)))
    async with db.sessions() as session:
        images = await session.scalar(select(func.sum(Generation.count))
                                      .where(Generation.account_id == alice.id))
    assert images == 2 * sum(accepted) <= ALLOWANCE
    assert sum(accepted) == ALLOWANCE // 2  # refusals were for the allowance, not errors
