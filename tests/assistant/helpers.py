"""The assistant in tests: its account, and a question asked and answered to the end."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.assistant import service
from salon.assistant.models import Ask
from salon.jobs.worker import Worker
from salon.posts import service as posts
from salon.posts.models import Post
from salon.settings import Settings


async def muse(session: AsyncSession, settings: Settings) -> Account:
    made = await service.ensure_account(session, settings)
    assert made is not None
    await session.commit()
    return made


async def ask(session: AsyncSession, worker: Worker, who: Account, body: str,
              **kwargs: object) -> tuple[Post, Ask | None, Post | None]:
    """Post `body` (mentioning the assistant), run the jobs; the question, its ask and the
    assistant's reply (None when it stayed silent)."""
    question = await posts.create_post(session, who, body, **kwargs)  # type: ignore[arg-type]
    await session.commit()
    await worker.drain()
    asked = await session.scalar(select(Ask).where(Ask.question_post_id == question.id))
    answer = (await session.get(Post, asked.answer_post_id)
              if asked is not None and asked.answer_post_id else None)
    return question, asked, answer
