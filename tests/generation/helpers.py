"""Generated pictures for tests: a generation run to the end by the worker."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.generation import service as generation
from salon.generation.schemas import GenerationSpec
from salon.jobs.worker import Worker
from salon.media.models import MediaAttachment
from salon.settings import Settings


async def generate(session: AsyncSession, settings: Settings, worker: Worker, who: Account,
                   prompt: str, count: int = 2, **kwargs: object) -> list[MediaAttachment]:
    """The pictures of a finished generation (committed, jobs drained)."""
    made = await generation.request(session, settings, who,
                                    GenerationSpec(prompt, count=count, **kwargs))  # type: ignore[arg-type]
    await session.commit()
    await worker.drain()
    views = (await generation.candidates(session, [made.id]))[made.id]
    return [v.media for v in views if v.media is not None]
