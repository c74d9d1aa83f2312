"""What the assistant reads is what the asker may read: a matrix of posts around a thread
(each with a marker word) and, for each, whether its marker reaches the engine, and through
the engine the answer."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.assistant.engines.base import Conversation
from salon.assistant.tasks import conversation_for
from salon.generation import posting
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.posts import service as posts
from salon.posts.models import Post
from salon.settings import Settings
from tests.assistant.helpers import ask, muse
from tests.conftest import People
from tests.generation.helpers import generate

# marker -> whether bob (the asker) may read it
EXPECTED = {
    "zqroot": True,  # alice's public thread
    "zqfollowers": False,  # followers-only reply by dora, whom bob does not follow
    "zqfollowed": True,  # followers-only reply by alice, whom bob follows
    "zqdirectother": False,  # direct, alice to carl
    "zqdirectbob": True,  # direct, alice to bob
    "zqblocker": False,  # carl blocks bob
    "zqblocked": False,  # bob blocks erin
    "zqquoted": True,  # a public post the target quotes
    "zqpromptshown": True,  # a shown recipe's prompt
    "zqprompthidden": False,  # someone else's hidden recipe
    "zqpromptown": True,  # bob's own hidden recipe
}


async def _world(session: AsyncSession, settings: Settings, people: People,
                 worker: Worker) -> tuple[Account, Post]:
    alice, bob = await people.make("alice"), await people.make("bob")
    carl, dora, erin = (await people.make("carl"), await people.make("dora"),
                        await people.make("erin"))
    await graph.follow(session, bob.id, alice.id)
    await graph.follow(session, carl.id, dora.id)
    await graph.block(session, carl.id, bob.id)
    await graph.block(session, bob.id, erin.id)
    quoted = await posts.create_post(session, dora, "zqquoted words")
    shown = await generate(session, settings, worker, alice, "zqpromptshown fox", count=1)
    root = await posts.create_post(session, alice, "zqroot thread", quote_of_id=quoted.id,
                                   media_ids=[shown[0].id])
    await session.commit()
    hidden = await generate(session, settings, worker, alice, "zqprompthidden owl", count=1)
    own = await generate(session, settings, worker, bob, "zqpromptown cat", count=1)
    for who, body, extra in (
        (dora, "zqfollowers", {"visibility": "private"}),
        (alice, "zqfollowed", {"visibility": "private"}),
        (alice, "@carl zqdirectother", {"visibility": "direct"}),
        (alice, "@bob zqdirectbob", {"visibility": "direct"}),
        (carl, "zqblocker", {}),
        (erin, "zqblocked", {}),
        (alice, "an owl", {"media_ids": [hidden[0].id], "recipe_hidden": True}),
        (bob, "my cat", {"media_ids": [own[0].id], "recipe_hidden": True}),
    ):
        await posts.create_post(session, who, body, in_reply_to_id=root.id, **extra)
    await session.commit()
    return bob, root


def _read(conversation: Conversation) -> str:
    parts: list[str] = []
    for post in conversation.posts:
        parts.append(post.text)
        for picture in post.pictures:
            parts.append(picture.description)
            parts.append(str(picture.recipe))
    return " ".join(parts)


@pytest.fixture
async def world(session: AsyncSession, settings: Settings, people: People,
                worker: Worker) -> tuple[Account, Post]:
    await muse(session, settings)
    return await _world(session, settings, people, worker)


async def test_the_engine_reads_only_what_the_asker_may_read(
    session: AsyncSession, settings: Settings, worker: Worker, world: tuple[Account, Post]
) -> None:
    bob, root = world
    question = await posts.create_post(session, bob, "@muse summarise this thread",
                                       in_reply_to_id=root.id)
    await session.commit()
    for row in (bob, question, root):
        await session.refresh(row)
    conversation = await conversation_for(session, settings, bob, question, root, "muse")
    read = _read(conversation)
    for marker, allowed in EXPECTED.items():
        assert (marker in read) is allowed, marker
    assert conversation.target is not None and conversation.target.id == root.id
    assert any(p.role == "quoted" for p in conversation.posts)
    # The alt text of a hidden recipe's picture is the prompt until its author writes one:
    # hiding the recipe took it out as well.
    recipes = await posting.for_posts(session, [root])
    assert recipes[root.id].recipe is not None


async def test_an_answer_never_carries_what_the_asker_may_not_read(
    session: AsyncSession, settings: Settings, worker: Worker, world: tuple[Account, Post]
) -> None:
    bob, root = world
    answers = []
    for question in ("@muse summarise this thread", "@muse what is this?",
                     "@muse how was this made?"):
        _, _, answer = await ask(session, worker, bob, question, in_reply_to_id=root.id)
        assert answer is not None
        answers.append(answer.text)
    text = " ".join(answers)
    for marker, allowed in EXPECTED.items():
        if not allowed:
            assert marker not in text, marker


async def test_a_thread_of_many_replies_is_read_to_a_bound(
    session: AsyncSession, settings: Settings, people: People, worker: Worker
) -> None:
    settings.assistant_max_replies = 5
    await muse(session, settings)
    alice, bob = await people.make("alice"), await people.make("bob")
    root = await posts.create_post(session, alice, "root")
    for n in range(12):
        await posts.create_post(session, alice, f"reply {n}", in_reply_to_id=root.id)
    question = await posts.create_post(session, bob, "@muse summarise", in_reply_to_id=root.id)
    await session.commit()
    for row in (bob, question, root):
        await session.refresh(row)
    conversation = await conversation_for(session, settings, bob, question, root, "muse")
    assert conversation.truncated
    assert sum(p.role == "reply" for p in conversation.posts) == 5
    assert conversation.posts[-1].role == "question"
