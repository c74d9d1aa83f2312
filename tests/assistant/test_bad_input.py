"""Bad input, each met with a clear answer or a silent refusal, never an exception and never
a half-written post: an empty question, questions at the post limit, posts it may not read
or answer in the open, an edit with no picture above, a text engine that times out, fails
or talks nonsense (the openai engine against a local fake server), and a thread of 10,000
replies, read within bounds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.assistant import reading, tasks
from salon.assistant.models import Ask, AskState
from salon.db.ids import new_id, utcnow
from salon.db.session import Database
from salon.generation import service as generation
from salon.generation.models import Generation
from salon.graph import service as graph
from salon.jobs.models import Job
from salon.jobs.worker import Worker
from salon.posts import service as posts
from salon.posts import text
from salon.posts.models import Mention, Post
from salon.posts.visibility import visible_ids
from salon.settings import Settings
from tests.assistant.fake_chat import FakeChat, Reply, busy, calls, garbage, said
from tests.assistant.helpers import ask, muse
from tests.conftest import People
from tests.generation.helpers import generate

THREAD = 10_000


async def whole(session: AsyncSession, bot: Account, asker: Account, question: Post,
                answer: Post | None, settings: Settings) -> Post:
    """The answer is a whole post: the assistant's reply to the question, mentioning the
    asker (and no one else), within the post length; and no job of the assistant failed."""
    assert answer is not None
    assert (answer.account_id, answer.in_reply_to_id) == (bot.id, question.id)
    assert answer.text.startswith(f"@{asker.username} ") and answer.content_html
    assert text.count(answer.text) <= settings.max_post_chars
    mentioned = set(await session.scalars(select(Mention.account_id).where(
        Mention.post_id == answer.id)))
    assert mentioned == {asker.id}
    assert not await failed_jobs(session)
    return answer


async def failed_jobs(session: AsyncSession) -> list[tuple[str, str]]:
    """The assistant's jobs that raised (an exception is a bug: each is run once)."""
    return [(j.kind, j.last_error or "") for j in await session.scalars(select(Job).where(
        Job.kind.like("assistant.%"), (Job.status != "done") | (Job.attempts > 1)))]


async def answers_by(session: AsyncSession, bot: Account) -> int:
    return int(await session.scalar(select(func.count()).select_from(Post).where(
        Post.account_id == bot.id)) or 0)


# --- what is asked ---------------------------------------------------------------------------


async def test_an_empty_question_gets_a_word_on_what_it_can_do(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    bot = await muse(session, settings)
    bob = await people.make("bob")
    for body in ("@muse", "@muse   ?!", "@muse @muse"):
        question, asked, answer = await ask(session, worker, bob, body)
        assert asked is not None and asked.question in ("", "?!")
        assert asked.state in (AskState.answered, AskState.refused)
        reply = await whole(session, bot, bob, question, answer, settings)
        assert len(reply.text) > len("@bob ") + 10, reply.text  # it says something


async def test_questions_at_the_post_limit(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    bot = await muse(session, settings)
    bob = await people.make("bob")
    limit = settings.max_post_chars
    long_question = "@muse " + " ".join(["why is the sky so blue"] * 40)
    long_question = long_question[:limit].rstrip() + "?"
    long_word = "@muse " + "x" * (limit - len("@muse "))
    draw = "@muse draw " + " ".join(["a lighthouse in a storm"] * 40)
    draw = draw[:limit].rstrip()
    for body in (long_question, long_word, draw):
        assert text.count(body) <= limit
        question, asked, answer = await ask(session, worker, bob, body)
        assert asked is not None and asked.state == AskState.answered, asked and asked.reason
        await whole(session, bot, bob, question, answer, settings)
    made = await session.scalar(select(Generation).where(Generation.account_id == bot.id))
    assert made is not None and 0 < len(made.prompt) <= generation.MAX_PROMPT
    assert made.on_behalf_of_id == bob.id


# --- what it may read, and where it answers ---------------------------------------------------


async def test_a_public_question_under_a_followers_only_post_is_answered_privately(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    """A follower replies in public under a followers-only post: the answer, made from that
    post, goes to the asker alone, never to everyone."""
    bot = await muse(session, settings)
    alice, bob, carol = [await people.make(n) for n in ("alice", "bob", "carol")]
    await graph.follow(session, bob.id, alice.id)
    secret = await posts.create_post(session, alice, "The surprise party is on friday",
                                     visibility="private")
    await session.commit()
    question, asked, answer = await ask(session, worker, bob, "@muse what is this?",
                                        in_reply_to_id=secret.id)
    assert question.visibility == "public" and asked is not None
    reply = await whole(session, bot, bob, question, answer, settings)
    assert reply.visibility == "direct"
    assert await visible_ids(session, carol.id, [reply.id]) == set()
    assert await visible_ids(session, None, [reply.id]) == set()

    # The same for a picture made from a followers-only picture.
    pictures = await generate(session, settings, worker, alice, "a red kite", count=1)
    art = await posts.create_post(session, alice, "kite", media_ids=[pictures[0].id],
                                  visibility="private")
    await session.commit()
    question, asked, answer = await ask(session, worker, bob, "@muse make it night",
                                        in_reply_to_id=art.id)
    assert asked is not None and asked.state == AskState.answered, asked and asked.reason
    reply = await whole(session, bot, bob, question, answer, settings)
    assert reply.visibility == "direct" and asked.generation_id is not None
    assert await visible_ids(session, carol.id, [reply.id]) == set()


async def test_an_answer_from_a_followers_only_post_a_tool_found_is_private(
    session: AsyncSession, settings: Settings, people: People, worker: Worker, fake: FakeChat
) -> None:
    bot = await muse(session, settings)
    alice, bob = await people.make("alice"), await people.make("bob")
    await graph.follow(session, bob.id, alice.id)
    await posts.create_post(session, alice, "The zanzibar party is on friday",
                            visibility="private")
    await posts.create_post(session, alice, "The zanzibar fair is open to all")
    await session.commit()
    for query, shown in (("fair", "unlisted"), ("party", "direct")):
        fake.script(calls(("search_posts", {"query": f"zanzibar {query}"})),
                    said(f"The {query} is soon."))
        question, asked, answer = await ask(session, worker, bob, f"@muse when is the {query}?")
        reply = await whole(session, bot, bob, question, answer, settings)
        assert reply.visibility == shown, query


async def test_a_direct_message_that_mentions_it_is_answered_to_the_asker_alone(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    bot = await muse(session, settings)
    alice, bob = await people.make("alice"), await people.make("bob")
    question, asked, answer = await ask(session, worker, bob, "@alice @muse who made this?",
                                        visibility="direct")
    reply = await whole(session, bot, bob, question, answer, settings)
    assert reply.visibility == "direct"
    assert await visible_ids(session, alice.id, [reply.id]) == set()


async def test_people_it_blocks_and_questions_it_may_not_read_get_silence(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    """An admin made the assistant block a pest; a question deleted before its answer; an
    edit that adds a mention (edits ask nothing). No reply, no exception."""
    bot = await muse(session, settings)
    pest, bob = await people.make("pest"), await people.make("bob")
    await graph.block(session, bot.id, pest.id)
    await session.commit()
    _, asked, answer = await ask(session, worker, pest, "@muse answer me")
    assert answer is None and asked is not None
    assert (asked.state, asked.reason) == (AskState.refused, "blocked")

    gone = await posts.create_post(session, bob, "@muse what is this?")
    await session.commit()
    await tasks.asked(session, {"post_id": gone.id})  # asked, thinking...
    await session.commit()
    await posts.delete_post(session, bob, gone.id)  # ... and deleted before the answer
    await session.commit()
    await worker.drain()
    late = await session.scalar(select(Ask).where(Ask.asker_id == bob.id)
                                .execution_options(populate_existing=True))
    assert late is not None and late.state in (AskState.failed, AskState.refused)

    plain = await posts.create_post(session, bob, "a plain post")
    await session.commit()
    await posts.edit_post(session, bob, plain.id, "a plain post, @muse what is this?")
    await session.commit()
    await worker.drain()
    assert await session.scalar(select(Ask).where(Ask.question_post_id == plain.id)) is None
    assert await answers_by(session, bot) == 0
    assert not await failed_jobs(session)


async def test_an_edit_with_no_picture_above_says_so(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    """Under a post without a picture, and under one whose picture post was deleted."""
    bot = await muse(session, settings)
    alice, bob = await people.make("alice"), await people.make("bob")
    words = await posts.create_post(session, alice, "just words")
    pictures = await generate(session, settings, worker, alice, "a red kite", count=1)
    art = await posts.create_post(session, alice, "kite", media_ids=[pictures[0].id])
    await session.commit()
    question, asked, answer = await ask(session, worker, bob, "@muse make it night",
                                        in_reply_to_id=words.id)
    assert asked is not None and asked.state == AskState.refused and asked.generation_id is None
    reply = await whole(session, bot, bob, question, answer, settings)
    assert "picture" in reply.text and not reply.remix_of_id

    question = await posts.create_post(session, bob, "@muse make it night",
                                       in_reply_to_id=art.id)
    await session.commit()
    await tasks.asked(session, {"post_id": question.id})
    await session.commit()
    await posts.delete_post(session, alice, art.id)  # gone before the answer
    await session.commit()
    await worker.drain()
    asked = await session.scalar(select(Ask).where(Ask.question_post_id == question.id)
                                 .execution_options(populate_existing=True))
    assert asked is not None and asked.state == AskState.refused, asked and asked.state
    answer = await session.get(Post, asked.answer_post_id or 0)
    reply = await whole(session, bot, bob, question, answer, settings)
    assert "picture" in reply.text and asked.generation_id is None


# --- a text engine that fails ------------------------------------------------------------------


@pytest.fixture
def fake(settings: Settings) -> Iterator[FakeChat]:
    """The openai text engine on a local fake server, with short patience."""
    with FakeChat() as server:
        settings.assistant_engine = "openai"
        settings.assistant_openai_base_url = server.url
        settings.assistant_openai_model = "chat-test-1"
        settings.assistant_openai_timeout = 0.5
        settings.assistant_openai_retries = 0
        yield server


BROKEN: list[tuple[str, Reply, str]] = [
    ("slow", said("too late", delay=2.0), "did not answer in time"),
    ("html", garbage(b"<html>502 Bad Gateway</html>", "text/html", 502), "try again"),
    ("not json", garbage(b"{\"choices\": [", "application/json"), ""),
    ("busy", busy(503), "busy"),
    ("empty", said(""), "empty"),
    ("no choices", garbage(b"{\"choices\": []}", "application/json"), ""),
]


@pytest.mark.parametrize(("case", "reply", "says"), BROKEN, ids=[c for c, _, _ in BROKEN])
async def test_a_failing_text_engine_gets_a_clear_refusal(
    session: AsyncSession, settings: Settings, people: People, worker: Worker,
    fake: FakeChat, case: str, reply: Reply, says: str
) -> None:
    bot = await muse(session, settings)
    bob = await people.make("bob")
    fake.script(reply)
    question, asked, answer = await ask(session, worker, bob, "@muse what is this?")
    assert asked is not None and asked.state == AskState.refused, (case, asked and asked.state)
    posted = await whole(session, bot, bob, question, answer, settings)
    assert says.lower() in posted.text.lower(), posted.text
    assert "Traceback" not in posted.text and "sk-" not in posted.text


async def test_nonsense_from_the_model_is_trimmed_quieted_and_never_loops(
    session: AsyncSession, settings: Settings, people: People, worker: Worker, fake: FakeChat
) -> None:
    """An answer far too long, one that mentions people (and the assistant itself), and a
    draw call whose arguments are not JSON."""
    bot = await muse(session, settings)
    bob, carol = await people.make("bob"), await people.make("carol")
    fake.script(said("blah " * 5000))
    question, asked, answer = await ask(session, worker, bob, "@muse tell me everything")
    posted = await whole(session, bot, bob, question, answer, settings)
    assert posted.text.endswith("…") and asked is not None and asked.state == "answered"
    assert text.count(posted.text) > settings.max_post_chars - len("blah …")  # as much as fits

    fake.script(said("Ask @muse again, or @carol, or @bob."))
    question, asked, answer = await ask(session, worker, bob, "@muse who knows?")
    await whole(session, bot, bob, question, answer, settings)  # only bob is mentioned
    assert await session.scalar(select(func.count()).select_from(Ask)) == 2  # no loop

    fake.script(calls(("draw", "{not json")), said("I could not draw that."))
    question, asked, answer = await ask(session, worker, bob, "@muse draw a cat")
    posted = await whole(session, bot, bob, question, answer, settings)
    assert asked is not None and asked.generation_id is None
    assert carol.id not in set(await session.scalars(select(Mention.account_id)))


# --- a huge thread ------------------------------------------------------------------------------


async def _thread(session: AsyncSession, root: Post, people: list[Account]) -> int:
    """THREAD replies under `root` in bulk: most answer the root, the last thousand are a
    chain, each replying to the one before. The chain's last reply's id."""
    start = utcnow() - timedelta(hours=2)
    rows: list[dict[str, object]] = []
    parent = root.id
    for n in range(THREAD):
        post_id = new_id(start + timedelta(milliseconds=n))
        chained = n >= THREAD - 1000
        author = people[n % len(people)]
        rows.append({"id": post_id, "account_id": author.id, "text": f"reply {n}",
                     "content_html": f"<p>reply {n}</p>", "visibility": "public",
                     "in_reply_to_id": parent if chained else root.id,
                     "in_reply_to_account_id": root.account_id,
                     "created_at": start + timedelta(milliseconds=n)})
        if chained:
            parent = post_id
    for first in range(0, len(rows), 1000):
        await session.execute(insert(Post), rows[first:first + 1000])
    await session.commit()
    return parent


async def test_a_thread_of_ten_thousand_replies_is_read_within_bounds(
    session: AsyncSession, settings: Settings, people: People, worker: Worker, db: Database
) -> None:
    bot = await muse(session, settings)
    alice, bob = await people.make("alice"), await people.make("bob")
    root = await posts.create_post(session, alice, "Start of a very long thread")
    await session.commit()
    last = await _thread(session, root, [alice, bob])
    assert await session.scalar(select(func.count()).select_from(Post).where(
        Post.in_reply_to_id.is_not(None))) == THREAD
    for parent in (root.id, last):  # at the top, and a thousand replies deep
        started = time.perf_counter()
        question, asked, answer = await ask(session, worker, bob,
                                            "@muse summarise this thread",
                                            in_reply_to_id=parent)
        took = time.perf_counter() - started
        assert asked is not None and asked.state == AskState.answered
        await whole(session, bot, bob, question, answer, settings)
        assert took < 20, f"{took:.1f} s"
        async with db.sessions() as s:  # what the answer job read, read again
            target, asking = await s.get(Post, parent), await s.get(Post, question.id)
            asker = await s.get(Account, bob.id)
            assert target is not None and asking is not None and asker is not None
            read = await tasks.conversation_for(s, settings, asker, asking, target, "muse")
        bound = settings.assistant_max_replies + reading.MAX_ANCESTORS + 2
        assert 0 < len(read.posts) <= bound
        assert read.truncated == (parent == root.id)  # deep down, it reads the nearest part
        assert [p.id for p in read.posts if p.role == "question"] == [question.id]
    assert await answers_by(session, bot) == 2
