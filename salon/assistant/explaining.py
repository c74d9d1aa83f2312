"""Explain this post: an answer for the asker alone, written by the text engine while the
asker reads it, recorded as an Ask and never posted. The API and the web stream its events
(salon/api/mastodon/assistant.py, salon/web/routes/posts.py).

The engine runs in a thread (tasks.think) inside a task of its own: a reader that goes
away only stops reading; the answer is still finished and recorded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.assistant import engines, service, tasks
from salon.assistant.models import Ask, AskState
from salon.db.session import Database
from salon.errors import NotFound, RateLimited
from salon.posts import conversations
from salon.posts import service as posts
from salon.posts.models import Post
from salon.posts.visibility import visible_to
from salon.settings import Settings

log = logging.getLogger("salon.assistant")

DELTA = "salon.explain.delta"  # {"text": piece}, as many as the engine writes
DONE = "salon.explain.done"  # {"id", "text", "engine", "model"}: the whole answer; the end
ERROR = "salon.explain.error"  # {"error": message}: the end
Event = tuple[str, dict[str, str]]
FAILED = "The explanation failed; try again later."
# The tasks that write explanations, held so that none is collected while it runs.
_WRITING: set[asyncio.Task[None]] = set()


class AssistantOff(NotFound):
    """This server runs without its assistant (SALON_ASSISTANT_ENABLED=false): a 404, as for
    any feature a server lacks (not a 503, which tells clients to try again soon), with a
    message that says why."""


async def start(session: AsyncSession, settings: Settings, asker: Account, post_id: int
                ) -> int:
    """Check that `asker` may have `post_id` explained now, and record the ask; its id. The
    caller commits before the explanation starts: the ask counts against the day's
    allowance at once, so requests sent together cannot pass it. A post the asker may not
    see is not found, as everywhere."""
    if not settings.assistant_enabled or await service.assistant(session) is None:
        raise AssistantOff("The assistant is switched off on this server.")
    post = await posts.get_visible(session, post_id, asker.id)
    if post.reblog_of_id is not None:  # a repost: explain what was reposted
        post = await posts.get_visible(session, post.reblog_of_id, asker.id)
    # No block or mute check: blocking or muting the assistant keeps it out of one's threads
    # and mentions, and this is the asker's own request, answered to them alone and
    # never posted, so it reaches no one who did not ask.
    allowance = settings.assistant_daily_answers
    if await service.answers_today(session, asker.id) >= allowance:
        raise RateLimited(f"You have had your {allowance} answers from the assistant for "
                          "today; ask again tomorrow.")
    ask = Ask(asker_id=asker.id, kind="explain", target_post_id=post.id,
              thread_id=await conversations.thread_of(session, post), question="",
              state=AskState.thinking)
    session.add(ask)
    await session.flush()
    return ask.id


def explanation(db: Database, settings: Settings, ask_id: int) -> AsyncIterator[Event]:
    """The explanation's events as the engine writes it: deltas, then done or error. The
    work starts now, whether or not the events are ever read."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Event] = asyncio.Queue()

    def piece(text: str) -> None:  # called from the engine's thread
        loop.call_soon_threadsafe(queue.put_nowait, (DELTA, {"text": text}))

    task = asyncio.create_task(_write(db, settings, ask_id, piece, queue.put_nowait))
    _WRITING.add(task)
    task.add_done_callback(_WRITING.discard)

    async def events() -> AsyncIterator[Event]:
        while True:
            event = await queue.get()
            yield event
            if event[0] != DELTA:
                return

    return events()


async def _write(db: Database, settings: Settings, ask_id: int, piece: Callable[[str], None],
                 say: Callable[[Event], None]) -> None:
    """Write and record the explanation; `say` its last event (after every piece)."""
    try:
        async with db.sessions() as session:
            final = await _explain(session, settings, ask_id, piece)
            await session.commit()
    except Exception:
        log.exception("explaining (ask %s) failed", ask_id)
        final = (ERROR, {"error": FAILED})
        try:
            async with db.transaction() as session:
                ask = await session.get(Ask, ask_id)
                if ask is not None and ask.state == AskState.thinking:
                    service.finish(session, ask, AskState.failed, "error")
        except Exception:
            log.exception("recording the failed explanation (ask %s) failed", ask_id)
    say(final)


async def _explain(session: AsyncSession, settings: Settings, ask_id: int,
                   piece: Callable[[str], None]) -> Event:
    ask = await session.get(Ask, ask_id)
    if ask is None:
        return ERROR, {"error": FAILED}
    asker = await session.get(Account, ask.asker_id)
    bot = await service.assistant(session)
    target = await session.scalar(select(Post).where(
        Post.id == ask.target_post_id, visible_to(ask.asker_id)))
    if asker is None or bot is None or target is None:  # gone since the request came
        service.finish(session, ask, AskState.failed, "deleted")
        return ERROR, {"error": "This post does not exist or is not visible to you."}
    conversation = await tasks.conversation_for(session, settings, asker, None, target,
                                                bot.username, explain=True)
    pieces: list[str] = []

    def stream(text: str) -> None:
        pieces.append(text)
        piece(text)

    reply = await tasks.think(session, settings, asker, conversation, stream)
    engine = engines.pick(settings)
    ask.engine, ask.model = engine.name, engine.model
    ask.usage, ask.cost_usd = reply.usage or None, reply.cost_usd
    ask.answer = reply.text
    if reply.refused:  # the engine failed or would not answer: `text` says why
        service.finish(session, ask, AskState.failed, "engine")
        return ERROR, {"error": reply.text}
    if not pieces:  # an engine that does not stream: the answer is one piece
        piece(reply.text)
    service.finish(session, ask, AskState.answered)
    return DONE, {"id": str(ask.id), "text": reply.text, "engine": engine.name,
                  "model": engine.model}
