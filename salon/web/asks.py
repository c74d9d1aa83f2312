"""The asker's view of the assistant at work: which of the viewer's questions on a page it
is still answering, so that partials/post.html puts a placeholder under each."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from salon.assistant import service as assistant
from salon.assistant.models import AskState
from salon.posts.schemas import PostView
from salon.settings import Settings
from salon.web.deps import Viewer


async def pending(session: AsyncSession, settings: Settings, current: Viewer,
                  views: Iterable[PostView]) -> dict[int, AskState]:
    """What the assistant is doing for each of the viewer's own posts on the page (not
    reposts): one query, none for a page without the viewer's posts."""
    if current.id is None or not settings.assistant_enabled:
        return {}
    own = [v.id for v in views if v.reblog is None and v.author.id == current.id]
    return await assistant.pending_for(session, current.id, own) if own else {}
