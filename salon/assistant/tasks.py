"""The assistant's jobs. A mention is asked (`asked`: who may ask, allowances; the asker
sees it thinking at once), answered (`answer`: read as the asker, the text engine writes,
the reply is posted, or a picture is started) and, for pictures, posted when drawn
(`drawn`). Each step is one transaction: a worker killed mid-way loses nothing and posts
nothing twice (the ask's state says what is done)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.assistant import engines, reading, service
from salon.assistant.engines.base import (
    Conversation,
    Drawing,
    Reply,
    Stream,
    TextEngineError,
)
from salon.assistant.models import Ask, AskState
from salon.db.session import side_transaction
from salon.errors import Invalid, RateLimited
from salon.generation import engines as image_engines
from salon.generation import service as generation
from salon.generation.models import Candidate, Generation, State
from salon.generation.schemas import GenerationSpec
from salon.jobs import service as jobs
from salon.jobs.worker import RUNNING, handler
from salon.media.store import media_store
from salon.posts import conversations
from salon.posts.models import Post
from salon.posts.visibility import visible_to
from salon.settings import Settings, get_settings

log = logging.getLogger("salon.assistant")
ASPECT_SLACK = 0.15
# How far an edit moves from its source picture (image-to-image): far enough that the
# change shows, near enough that the picture stays recognisable.
EDIT_STRENGTH = 0.7  # how near a picture's proportions must be to an aspect to keep it


@handler(service.ASKED_JOB)
async def asked(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Record the question (one ask per post) and start answering, or refuse."""
    settings = get_settings()
    question = await session.get(Post, int(payload["post_id"]))
    bot = await service.assistant(session) if settings.assistant_enabled else None
    if question is None or bot is None:
        return
    if await session.scalar(select(Ask.id).where(Ask.question_post_id == question.id)):
        return  # asked already: one answer per post
    asker = await session.get(Account, question.account_id)
    ask = Ask(asker_id=question.account_id, kind="mention", question_post_id=question.id,
              target_post_id=question.in_reply_to_id,
              thread_id=await conversations.thread_of(session, question),
              question=service.question_of(question.text, bot.username)[:2000])
    session.add(ask)
    await session.flush()
    silent = await service.why_not(session, bot, asker, question)
    if silent is not None or asker is None:
        service.finish(session, ask, AskState.refused, silent)
        return
    if await service.answers_today(session, asker.id) > settings.assistant_daily_answers:
        await _refuse(session, settings, bot, asker, question, ask, "allowance",
                      f"You have had your {settings.assistant_daily_answers} answers for "
                      "today; ask me again tomorrow.")
        return
    if await service.thread_replies(session, ask.thread_id or question.id) \
            >= settings.assistant_thread_hourly:
        await _refuse(session, settings, bot, asker, question, ask, "thread_busy",
                      "I have replied in this thread a lot in the last hour; ask me again "
                      "later.")
        return
    ask.state = AskState.thinking
    service.announce(session, ask)
    jobs.enqueue(session, service.ANSWER_JOB, {"ask_id": ask.id})


async def _refuse(session: AsyncSession, settings: Settings, bot: Account, asker: Account,
                  question: Post, ask: Ask, reason: str, why: str) -> None:
    if reason not in service.SAID_ONCE_AN_HOUR \
            or not await service.said_lately(session, asker.id, reason):
        ask.answer = why
        ask.answer_post_id = (await service.reply(session, settings, bot, asker, question,
                                                  why)).id
    service.finish(session, ask, AskState.refused, reason)


async def conversation_for(session: AsyncSession, settings: Settings, asker: Account,
                           question: Post | None, target: Post | None, assistant_name: str,
                           *, explain: bool = False) -> Conversation:
    """Everything the asker may read around the question, as an engine reads it."""
    ups = await reading.ancestors(session, target, asker.id) if target is not None else []
    chain: list[tuple[Post, reading.Role]] = [(p, "ancestor") for p in reversed(ups)]
    if target is not None:
        chain.append((target, "target"))
        if target.quote_of_id is not None:
            quoted = await session.scalar(select(Post).where(
                Post.id == target.quote_of_id, visible_to(asker.id)))
            if quoted is not None:
                chain.append((quoted, "quoted"))
    root = ups[-1] if ups else target if target is not None else question
    below: list[tuple[Post, reading.Role]] = []
    truncated = False
    if root is not None:
        skip = [p.id for p, _ in chain] + ([question.id] if question is not None else [])
        rest, truncated = await reading.replies(session, root.id, asker.id,
                                                settings.assistant_max_replies, skip)
        below = [(p, "reply") for p in rest]
    if question is not None:
        below.append((question, "question"))
    below.sort(key=lambda pair: pair[0].id)
    read = await reading.context(session, media_store(settings), settings.base_url,
                                 chain + below, asker.id)
    used = await generation.images_used(session, asker.id)
    return Conversation(
        assistant=assistant_name, asker=asker.username,
        question=service.question_of(question.text, assistant_name) if question else "",
        language=(question.language if question is not None else None) or "en",
        posts=tuple(read), target=next((p for p in read if p.role == "target"), None),
        truncated=truncated, max_chars=settings.max_post_chars, explain=explain,
        can_draw=used < settings.generation_daily_quota,
        image_engine=settings.assistant_image_engine or settings.default_engine)


async def think(session: AsyncSession, settings: Settings, asker: Account,
                conversation: Conversation, stream: Stream | None = None, *,
                shown: set[int] | None = None) -> Reply:
    """The text engine's answer, written in a thread (models block); a failure becomes an
    answer that says why. `shown` gains the posts its tools handed the engine."""
    engine = engines.pick(settings)
    tools = reading.ReaderTools(session, media_store(settings), settings.base_url, asker.id,
                                asyncio.get_running_loop())
    thought = asyncio.Event()
    keeping = asyncio.create_task(_keep_lease(session, thought))
    try:
        reply = await asyncio.to_thread(engine.answer, conversation, tools, stream)
    except TextEngineError as exc:
        return Reply(text=f"I could not answer: {exc}", refused=True)
    except Exception as exc:
        log.exception("the %s text engine failed", engine.name)
        return Reply(text=f"My text engine ({engine.name}) failed ({type(exc).__name__}); "
                          "try again later.", refused=True)
    finally:
        thought.set()
        await keeping
        if shown is not None:
            shown |= tools.shown
    if not reply.text.strip() and reply.drawing is None:
        return Reply(text="My text engine gave an empty answer; try asking another way.",
                     refused=True)
    return reply


@handler(service.ANSWER_JOB)
async def answer(session: AsyncSession, payload: dict[str, Any]) -> None:
    settings = get_settings()
    ask = await session.get(Ask, int(payload["ask_id"]))
    bot = await service.assistant(session)
    if ask is None or ask.state != AskState.thinking or bot is None:
        return  # answered already (a job run twice), or gone
    question = await session.get(Post, ask.question_post_id or 0)
    asker = await session.get(Account, ask.asker_id)
    if question is None or asker is None:
        service.finish(session, ask, AskState.failed, "deleted")
        return
    target = (await session.scalar(select(Post).where(
        Post.id == question.in_reply_to_id, visible_to(asker.id)))
        if question.in_reply_to_id is not None else None)
    conversation = await conversation_for(session, settings, asker, question, target,
                                          bot.username)
    shown = {p.id for p in conversation.posts}
    reply = await think(session, settings, asker, conversation, shown=shown)
    direct = await service.read_narrowly(session, shown)  # made from posts not for all
    if await session.scalar(select(Ask.state).where(Ask.id == ask.id)) != AskState.thinking:
        return  # answered by another worker meanwhile: one answer per question
    engine = engines.pick(settings)
    ask.engine, ask.model = engine.name, engine.model
    ask.usage, ask.cost_usd = reply.usage or None, reply.cost_usd
    ask.answer = reply.text
    if reply.drawing is not None and not reply.refused:
        why = await _draw(session, settings, bot, asker, ask, reply, direct)
        if why is None:
            return
        reply = Reply(text=why, refused=True)
        ask.answer = why
    posted = await service.reply(session, settings, bot, asker, question, reply.text,
                                 direct=direct)
    await _first_answer(session, ask)
    ask.answer_post_id = posted.id
    service.finish(session, ask, AskState.refused if reply.refused else AskState.answered,
                   "refused" if reply.refused else None)


async def _keep_lease(session: AsyncSession, thought: asyncio.Event) -> None:
    """Keep the answer job's lease while the engine thinks (a slow model can take longer
    than a lease), so that no other worker takes the job over and asks the model again."""
    running = RUNNING.get()
    if running is None:
        return
    while not thought.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(thought.wait(), running.lease.total_seconds() / 4)
        if thought.is_set():
            return
        try:  # a failed renewal (the database briefly away) must not end the answer
            async with side_transaction(session) as side:
                await jobs.extend_leases(side, running.worker, running.lease)
        except Exception:
            log.warning("keeping an answer job's lease failed", exc_info=True)


async def _first_answer(session: AsyncSession, ask: Ask) -> None:
    """Called before the ask leaves `thinking`, after this answer's first write: should
    another worker have answered meanwhile (this one lost its lease while the model
    thought), this answer is rolled back, and the job looks again. The update waits for
    the other's commit (PostgreSQL's row lock, SQLite's write lock) and then sees it."""
    still = await session.execute(
        update(Ask).where(Ask.id == ask.id, Ask.state == AskState.thinking)
        .values(state=AskState.thinking).execution_options(synchronize_session=False))
    if not still.rowcount:  # type: ignore[attr-defined]
        raise jobs.Later(0, "answered meanwhile by another worker")


async def _draw(session: AsyncSession, settings: Settings, bot: Account, asker: Account,
                ask: Ask, reply: Reply, direct: bool) -> str | None:
    """Start the picture (a generation by the assistant, counted and screened as the
    asker's), or say why not."""
    assert reply.drawing is not None
    drawing = reply.drawing
    source = drawing.source
    spec = GenerationSpec(prompt=drawing.prompt[:generation.MAX_PROMPT], count=1,
                          engine=service.image_engine(settings),
                          aspect=await _aspect(session, source.media_id) if source else "1:1",
                          source_media_id=source.media_id if source else None,
                          strength=EDIT_STRENGTH,
                          remix_of_id=drawing.source_post_id if source else None)
    _keep_source_recipe(settings, spec, drawing)
    then: dict[str, object] = {"kind": service.DRAWN_JOB,
                               "payload": {"ask_id": ask.id, "direct": direct}}
    try:
        try:
            made = await generation.request(session, settings, bot, spec, on_behalf_of=asker,
                                            then=then)
        except Invalid as exc:
            if exc.field != "remix_of" or spec.remix_of_id is None:
                raise
            spec.remix_of_id = None  # an uploaded picture, or its recipe hidden: no lineage
            made = await generation.request(session, settings, bot, spec, on_behalf_of=asker,
                                            then=then)
    except (Invalid, RateLimited) as exc:
        return f"I can't draw that: {exc.message}"
    await _first_answer(session, ask)
    ask.generation_id, ask.state = made.id, AskState.drawing
    service.announce(session, ask)
    return None


def _keep_source_recipe(settings: Settings, spec: GenerationSpec, drawing: Drawing) -> None:
    """An edit starts from its source's recipe where the asker may see it: the same seed
    and style (unless the change asks for another), so that "make it night" is the same
    picture at night rather than a new one."""
    assert spec.engine is not None
    styles = image_engines.pick(settings, spec.engine).capabilities.styles
    asked = getattr(drawing, "style", None)  # the style the change names: "" for none
    recipe = drawing.source.recipe if drawing.source is not None else None
    if recipe is not None and recipe.get("engine") == spec.engine:
        seed = recipe.get("seed")
        spec.seed = seed if isinstance(seed, int) else None
        kept = recipe.get("style")
        spec.style = kept if isinstance(kept, str) and kept in styles else ""
    if isinstance(asked, str):
        spec.style = asked if asked in styles else ""


async def _aspect(session: AsyncSession, media_id: int) -> str:
    """The aspect nearest the source picture's proportions (an edit keeps its shape)."""
    from salon.generation.engines.base import ASPECTS
    from salon.media.models import MediaAttachment

    item = await session.get(MediaAttachment, media_id)
    if item is None or not item.width or not item.height:
        return "1:1"
    ratio = item.width / item.height
    best = min(ASPECTS, key=lambda a: abs(ASPECTS[a][0] / ASPECTS[a][1] - ratio))
    return best if abs(ASPECTS[best][0] / ASPECTS[best][1] - ratio) <= ASPECT_SLACK * ratio \
        else "1:1"


@handler(service.DRAWN_JOB)
async def drawn(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Post the picture as the answer, or say why it could not be made."""
    settings = get_settings()
    ask = await session.get(Ask, int(payload["ask_id"]))
    bot = await service.assistant(session)
    if ask is None or ask.state != AskState.drawing or bot is None:
        return
    made = await session.get(Generation, ask.generation_id or 0)
    question = await session.get(Post, ask.question_post_id or 0)
    asker = await session.get(Account, ask.asker_id)
    if question is None or asker is None:
        service.finish(session, ask, AskState.failed, "deleted")
        return
    direct = bool(payload.get("direct"))  # the answer was made from posts not for all
    media_ids: list[int] = []
    if made is not None and made.state == State.succeeded:
        media_ids = [m for m in await session.scalars(
            select(Candidate.media_id).where(Candidate.generation_id == made.id)
            .order_by(Candidate.position)) if m is not None]
    if not media_ids:
        why = (made.error if made is not None and made.error else "the picture was lost")
        ask.answer = f"I could not draw it: {why}"
        posted = await service.reply(session, settings, bot, asker, question, ask.answer,
                                     direct=direct)
        ask.answer_post_id = posted.id
        service.finish(session, ask, AskState.failed, "engine")
        return
    posted = await service.reply(session, settings, bot, asker, question, ask.answer,
                                 media_ids=media_ids, direct=direct)
    ask.answer_post_id = posted.id
    service.finish(session, ask, AskState.answered)
