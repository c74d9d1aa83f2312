"""Search by words and meaning, and similar pictures, through the services: the fusion of
the two rankings, paging by position and max_id, words alone when embeddings are off, and
the visibility matrix: every post below says the same thing, so what each viewer finds is
exactly what they may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.meaning import search as hybrid
from salon.meaning.similar import similar_pictures
from salon.posts import interactions
from salon.posts import search as words
from salon.posts import service as posts
from salon.posts.models import Post
from salon.settings import Settings
from tests.conftest import People
from tests.generation.helpers import generate

SAID = "a lonely android under a storm"
BY_WORDS = "android storm"
BY_MEANING = "sad robot in the rain"  # not one word in common with SAID


async def found(session: AsyncSession, settings: Settings, query: str,
                viewer_id: int | None, **kw: int) -> list[int]:
    return [p.id for p in await hybrid.statuses(session, settings, query, viewer_id, **kw)]


def test_reciprocal_rank_fusion_adds_one_over_k_plus_rank() -> None:
    # 1: 1/61 + 1/62; 3: 1/63 + 1/61; 2: 1/62 only; 4: 1/63 only.
    assert hybrid.fuse([[1, 2, 3], [3, 1, 4]]) == [1, 3, 2, 4]
    assert hybrid.fuse([[5, 6]]) == [5, 6]  # one ranking (embeddings off): kept as is
    assert hybrid.fuse([[], []]) == []
    # Agreeing lower places beat one first place: 2 is second in both.
    assert hybrid.fuse([[1, 2], [3, 2]])[0] == 2


async def test_a_description_finds_a_post_that_shares_no_word_with_it(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    ada, bob = await people.make("ada"), await people.make("bob")
    android = await posts.create_post(session, ada, SAID)
    fruit = await posts.create_post(session, ada, "a bowl of ripe fruit on a table")
    stuck = await posts.create_post(session, ada, "the vacuum cleaner is stuck under the sofa")
    await session.commit()
    await worker.drain()
    assert await words.ranked_ids(session, BY_MEANING, bob.id) == []
    hits = await found(session, settings, BY_MEANING, bob.id)
    assert hits[0] == android.id
    assert fruit.id not in hits  # below the similarity floor: not found at all
    # Words still count: a post with the query's words is found by them.
    assert (await found(session, settings, "vacuum cleaner", bob.id))[0] == stuck.id


async def test_pages_by_position_and_by_max_id(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    ada, bob = await people.make("ada"), await people.make("bob")
    made = [await posts.create_post(session, ada, f"{SAID}, number {i}") for i in range(7)]
    await session.commit()
    await worker.drain()
    everything = await found(session, settings, BY_WORDS, bob.id, limit=40)
    assert sorted(everything) == sorted(p.id for p in made)
    pages = [await found(session, settings, BY_WORDS, bob.id, offset=o, limit=3)
             for o in (0, 3, 6, 9)]
    assert pages[0] + pages[1] + pages[2] == everything and pages[3] == []
    older = await found(session, settings, BY_WORDS, bob.id, max_id=made[3].id, limit=40)
    assert sorted(older) == sorted(p.id for p in made[:3])
    by_meaning = await found(session, settings, BY_MEANING, bob.id, max_id=made[3].id)
    assert by_meaning and set(by_meaning) <= {p.id for p in made[:3]}


async def test_with_embeddings_off_it_is_search_by_words(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    off = settings.model_copy(update={"embeddings": "off"})
    ada, bob = await people.make("ada"), await people.make("bob")
    older = await posts.create_post(session, ada, f"{SAID} (storm, storm, storm)")
    newer = await posts.create_post(session, ada, SAID)
    await session.commit()
    await worker.drain()
    ranked = await words.ranked_ids(session, BY_WORDS, bob.id)
    assert sorted(ranked) == sorted([older.id, newer.id])
    assert await found(session, off, BY_WORDS, bob.id) == ranked
    assert await found(session, off, BY_MEANING, bob.id) == []
    assert await found(session, off, BY_WORDS, bob.id, offset=1) == ranked[1:]
    post = await session.get(Post, newer.id)
    assert post is not None
    assert await similar_pictures(session, off, post, bob.id) == []


@dataclass
class World:
    """bob reads; each other author's same post is a cell of the matrix."""

    bob: Account
    posts: dict[str, int] = field(default_factory=dict)


async def _world(settings: Settings, session: AsyncSession, people: People,
                 worker: Worker) -> World:
    names = ["carol", "dave", "erin", "fred", "gail", "hank", "ivy", "jack", "kim", "lou",
             "max", "zoe"]
    bob = await people.make("bob")
    who = {n: await people.make(n) for n in names}
    world = World(bob)

    async def say(name: str, author: Account, text: str = SAID, *, picture: bool = True,
                  prompt: str = f"{SAID}, ink", **kw: object) -> None:
        media = (await generate(session, settings, worker, author, prompt, count=1)
                 if picture else [])
        post = await posts.create_post(session, author, text,
                                       media_ids=[m.id for m in media], **kw)  # type: ignore[arg-type]
        world.posts[name] = post.id

    await say("public", who["carol"])
    await say("public, no picture", who["carol"], picture=False)
    await say("own", bob)
    await say("focus", who["zoe"])
    await say("followers-only", who["dave"], visibility="private")
    await say("followers-only, followed", who["fred"], visibility="private")
    await graph.follow(session, bob.id, who["fred"].id)
    await say("direct to another", who["erin"], f"@carol {SAID}", visibility="direct")
    await say("blocked by bob", who["gail"])
    await graph.block(session, bob.id, who["gail"].id)
    await say("blocks bob", who["hank"])
    await graph.block(session, who["hank"].id, bob.id)
    await say("muted by bob", who["ivy"])
    await graph.mute(session, bob.id, who["ivy"].id)
    await say("suspended", who["jack"])
    await accounts.suspend(session, who["jack"].id)
    await say("deleted", who["kim"])
    await say("hidden recipe", who["lou"], "guess how", prompt=SAID, recipe_hidden=True)
    await say("recipe hidden afterwards", who["max"], "guess how", prompt=SAID)
    await session.commit()
    await worker.drain()  # the vectors, the deleted post's among them
    await posts.delete_post(session, who["kim"], world.posts["deleted"])
    from salon.generation import posting
    await posting.set_recipe_hidden(session, who["max"], world.posts["recipe hidden afterwards"],
                                    True)
    await interactions.repost(session, who["carol"], world.posts["focus"])
    await session.commit()
    await worker.drain()
    return world


async def test_search_and_similar_pictures_show_only_what_the_viewer_may_see(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    world = await _world(settings, session, people, worker)
    ids = world.posts
    name = {v: k for k, v in ids.items()}
    searchable = {"public", "public, no picture", "own", "focus", "followers-only, followed"}
    # Someone signed out is nobody's blocker or muter.
    public = {"public", "public, no picture", "own", "focus", "blocked by bob", "blocks bob",
              "muted by bob"}
    for query in (BY_WORDS, BY_MEANING):
        assert {name.get(i, i) for i in await found(session, settings, query, world.bob.id)
                } == searchable, query
        assert {name.get(i, i) for i in await found(session, settings, query, None)
                } == public, query
    # The hidden prompt is found neither by its words nor by its meaning, even by its author.
    for query in (BY_WORDS, BY_MEANING, "lonely android"):
        for viewer in (world.bob.id, None):
            hits = set(await found(session, settings, query, viewer))
            assert not hits & {ids["hidden recipe"], ids["recipe hidden afterwards"]}
    focus = await session.get(Post, ids["focus"])
    assert focus is not None
    # Similar: public posts of others with pictures; not the post, its reposts, bob's own.
    similar = await similar_pictures(session, settings, focus, world.bob.id)
    assert {name.get(p.id, p.id) for p in similar} == {"public"}
    anyone = await similar_pictures(session, settings, focus, None)
    assert {name.get(p.id, p.id) for p in anyone} == public - {"public, no picture", "focus"}


async def test_a_recipe_just_hidden_is_not_found_by_its_old_vector(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    from salon.generation import posting

    lou, bob = await people.make("lou"), await people.make("bob")
    media = await generate(session, settings, worker, lou, SAID, count=1)
    post = await posts.create_post(session, lou, "guess how", media_ids=[media[0].id])
    other = await generate(session, settings, worker, bob, f"{SAID}, pencil", count=1)
    focus = await posts.create_post(session, bob, "look", media_ids=[other[0].id])
    await session.commit()
    await worker.drain()
    assert post.id in await found(session, settings, BY_MEANING, bob.id)  # by its prompt
    assert post.id in [p.id for p in await similar_pictures(session, settings, focus, None)]
    await posting.set_recipe_hidden(session, lou, post.id, True)
    await session.commit()
    # Its vector still holds the prompt until the job runs, but is not used meanwhile.
    for query in (BY_MEANING, BY_WORDS):
        assert post.id not in await found(session, settings, query, bob.id)
    assert post.id not in [p.id for p in await similar_pictures(session, settings, focus,
                                                                 None)]
    await worker.drain()
    assert post.id not in await found(session, settings, BY_MEANING, bob.id)
    assert (await found(session, settings, "guess", bob.id)) == [post.id]
