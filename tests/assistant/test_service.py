"""Asking the assistant in a thread: who gets an answer, where it goes, what it draws, the
limits, and exactly one answer per question."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.assistant import service
from salon.assistant.models import Ask, AskState
from salon.generation.models import Generation
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.media.models import MediaAttachment
from salon.notifications.models import Notification
from salon.posts import service as posts
from salon.posts.models import Mention, Post
from salon.settings import Settings
from tests.assistant.helpers import ask, muse
from tests.conftest import People
from tests.generation.helpers import generate


async def test_the_assistant_account_is_a_bot_renamed_by_settings(
    session: AsyncSession, settings: Settings
) -> None:
    bot = await muse(session, settings)
    assert (bot.username, bot.bot, bot.is_assistant) == ("muse", True, True)
    assert "automated" in bot.bio and "Mute or block me" in bot.bio
    settings.assistant_name = "oracle"
    renamed = await muse(session, settings)
    assert renamed.id == bot.id and renamed.username == "oracle"
    assert await session.scalar(select(func.count()).select_from(type(bot)).where(
        type(bot).is_assistant.is_(True))) == 1


async def test_a_public_question_gets_an_unlisted_reply_that_mentions_the_asker(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    bot = await muse(session, settings)
    alice, bob = await people.make("alice"), await people.make("bob")
    pictures = await generate(session, settings, worker, alice, "a fox in the snow", count=1)
    art = await posts.create_post(session, alice, "my fox", media_ids=[pictures[0].id])
    await session.commit()
    question, asked, answer = await ask(session, worker, bob, "@muse how was this made?",
                                        in_reply_to_id=art.id)
    assert asked is not None and asked.state == AskState.answered and answer is not None
    assert answer.account_id == bot.id and answer.in_reply_to_id == question.id
    assert answer.visibility == "unlisted"
    assert answer.text.startswith("@bob ") and "a fox in the snow" in answer.text
    assert len(answer.text) <= settings.max_post_chars
    told = await session.scalar(select(Notification).where(
        Notification.account_id == bob.id, Notification.post_id == answer.id))
    assert told is not None  # the asker hears of the answer
    assert asked.question == "how was this made?" and asked.engine == "builtin"


async def test_a_narrower_question_gets_a_direct_answer_for_the_asker_alone(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    await muse(session, settings)
    alice, bob = await people.make("alice"), await people.make("bob")
    await graph.follow(session, bob.id, alice.id)
    secret = await posts.create_post(session, alice, "our plan #zq", visibility="private")
    await session.commit()
    _, asked, answer = await ask(session, worker, bob, "@muse summarise this thread, @alice",
                                 in_reply_to_id=secret.id, visibility="private")
    assert answer is not None and answer.visibility == "direct"
    mentioned = set(await session.scalars(select(Mention.account_id).where(
        Mention.post_id == answer.id)))
    assert mentioned == {bob.id}  # @alice in the answer is plain text, not a mention


async def test_it_draws_and_its_picture_carries_a_recipe(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    bot = await muse(session, settings)
    bob = await people.make("bob")
    _, asked, answer = await ask(session, worker, bob,
                                 "@muse draw a lighthouse in a storm, ink")
    assert asked is not None and asked.state == AskState.answered and answer is not None
    made = await session.get(Generation, asked.generation_id)
    assert made is not None and made.account_id == bot.id and made.on_behalf_of_id == bob.id
    assert "lighthouse" in made.prompt and made.then is None
    media = list(await session.scalars(select(MediaAttachment).where(
        MediaAttachment.post_id == answer.id)))
    assert len(media) == 1 and media[0].account_id == bot.id


async def test_an_edit_remixes_the_picture_above_and_tells_its_author(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    await muse(session, settings)
    alice, bob = await people.make("alice"), await people.make("bob")
    pictures = await generate(session, settings, worker, alice, "a harbour at noon", count=1,
                              style="watercolor", seed=4000)
    art = await posts.create_post(session, alice, "harbour", media_ids=[pictures[0].id])
    await session.commit()
    _, asked, answer = await ask(session, worker, bob, "@muse make it night",
                                 in_reply_to_id=art.id)
    assert answer is not None and answer.remix_of_id == art.id
    made = await session.get(Generation, asked.generation_id if asked else 0)
    assert made is not None and made.source_media_id == pictures[0].id
    # The same picture at night: its seed and style, and a prompt that says night.
    assert (made.seed, made.style) == (4000, "watercolor") and "night" in made.prompt
    await session.refresh(art)
    assert art.remixes_count == 1
    told = await session.scalar(select(Notification.type).where(
        Notification.account_id == alice.id, Notification.post_id == answer.id))
    assert told == "salon.remix"


async def test_an_edit_with_no_picture_above_says_so(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    await muse(session, settings)
    bob = await people.make("bob")
    _, asked, answer = await ask(session, worker, bob, "@muse make it night")
    assert asked is not None and asked.state == AskState.refused and answer is not None
    assert asked.generation_id is None and "picture" in answer.text


async def test_a_blocked_prompt_is_refused_in_a_reply(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    settings.prompt_blocklist = "gore"
    await muse(session, settings)
    bob = await people.make("bob")
    _, asked, answer = await ask(session, worker, bob, "@muse draw gore everywhere")
    assert asked is not None and asked.state == AskState.refused and asked.generation_id is None
    assert answer is not None and "gore" in answer.text and not answer.remix_of_id


async def test_it_never_answers_bots_itself_or_people_who_block_or_mute_it(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    bot = await muse(session, settings)
    other = await people.make("otherbot")
    other.bot = True
    blocker, muter = await people.make("blocker"), await people.make("muter")
    await graph.block(session, blocker.id, bot.id)
    await graph.mute(session, muter.id, bot.id)
    await session.commit()
    for who, why in ((other, "bot"), (blocker, "blocked"), (muter, "muted"), (bot, "self")):
        _, asked, answer = await ask(session, worker, who, "@muse what is this?")
        assert answer is None, who.username
        assert asked is not None and (asked.state, asked.reason) == (AskState.refused, why)


async def test_asking_twice_gives_one_answer(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    await muse(session, settings)
    bob = await people.make("bob")
    question, asked, answer = await ask(session, worker, bob, "@muse @muse what is this?")
    assert answer is not None
    from salon.jobs import service as jobs

    jobs.enqueue(session, service.ASKED_JOB, {"post_id": question.id})  # the job again
    assert asked is not None
    jobs.enqueue(session, service.ANSWER_JOB, {"ask_id": asked.id})
    await session.commit()
    await worker.drain()
    replies = await session.scalar(select(func.count()).select_from(Post).where(
        Post.in_reply_to_id == question.id))
    assert replies == 1


async def test_the_daily_allowance_is_said_once_then_silence(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    settings.assistant_daily_answers = 1
    await muse(session, settings)
    bob = await people.make("bob")
    _, first, _ = await ask(session, worker, bob, "@muse what can you do?")
    assert first is not None and first.state == AskState.answered
    _, second, said = await ask(session, worker, bob, "@muse and now?")
    assert second is not None and second.reason == "allowance" and said is not None
    assert "tomorrow" in said.text
    _, third, quiet = await ask(session, worker, bob, "@muse and again?")
    assert third is not None and third.reason == "allowance" and quiet is None


async def test_a_thread_gets_a_bounded_number_of_replies_an_hour(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    settings.assistant_thread_hourly = 2
    await muse(session, settings)
    alice, bob = await people.make("alice"), await people.make("bob")
    root = await posts.create_post(session, alice, "a thread")
    await session.commit()
    answered = 0
    for n in range(4):
        _, asked, answer = await ask(session, worker, bob, f"@muse question {n}?",
                                     in_reply_to_id=root.id)
        assert asked is not None
        answered += asked.state == AskState.answered
    assert answered == 2
    count = await session.scalar(select(func.count()).select_from(Ask).where(
        Ask.reason == "thread_busy"))
    assert count == 2


async def test_switched_off_it_stays_silent(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    await muse(session, settings)
    settings.assistant_enabled = False
    bob = await people.make("bob")
    _, asked, answer = await ask(session, worker, bob, "@muse hello?")
    assert asked is None and answer is None
