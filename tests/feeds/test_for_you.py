"""For You's ranking, as a person meets it: taste from what they liked, feedback that changes
the next page, author diversity, stable paging, and ranking with embeddings off."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.feeds import feedback, for_you, sources
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.posts import interactions
from salon.posts import service as posts
from salon.settings import Settings
from salon.timelines.schemas import Cursor
from tests.conftest import People

FOXES = ["a watercolor fox curled up asleep in the snow",
         "red fox painted in soft watercolors on a winter morning",
         "little fox cub in watercolor, snowy forest",
         "watercolour of a fox with a bushy tail in snow",
         "a sleepy arctic fox, loose watercolor painting"]
OTHERS = ["spreadsheet of quarterly tax deadlines for small firms",
          "how to change a bicycle tyre in five minutes",
          "recipe: lentil soup with cumin and lemon",
          "the train to the city was late again this morning",
          "a review of a mechanical keyboard with loud switches"]


async def _post(session: AsyncSession, who: Account, text: str, **kwargs: object) -> int:
    made = await posts.create_post(session, who, text, **kwargs)  # type: ignore[arg-type]
    await session.commit()
    return made.id


async def _fox_liker(session: AsyncSession, people: People) -> Account:
    """Vic, who liked two fox paintings by Ann."""
    vic, ann = await people.make("vic"), await people.make("ann")
    for text in ("watercolor fox in the snow, my first try", "fox sleeping, watercolour"):
        await interactions.like(session, vic, await _post(session, ann, text))
    await session.commit()
    return vic


async def _strangers(session: AsyncSession, people: People, texts: list[str], prefix: str
                     ) -> dict[int, str]:
    made = {}
    for n, text in enumerate(texts):
        author = await people.make(f"{prefix}{n}")
        made[await _post(session, author, text)] = text
    return made


async def test_a_fox_liker_sees_fox_pictures_from_strangers_first(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    vic = await _fox_liker(session, people)
    foxes = await _strangers(session, people, FOXES[:3], "fox")
    others = await _strangers(session, people, OTHERS, "other")
    await worker.drain()
    ranked = await for_you.rank(session, settings, vic.id)
    order = [r.post_id for r in ranked]
    assert set(order) == set(foxes) | set(others)  # Ann's liked posts are seen: left out
    assert set(order[:3]) == set(foxes)
    assert all(r.reason.kind == "similar" for r in ranked[:3])
    assert ranked[0].reason.text.startswith("like “") and "which you liked" in \
        ranked[0].reason.text


async def test_show_less_changes_the_next_page(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    vic = await _fox_liker(session, people)
    foxes = await _strangers(session, people, FOXES, "fox")
    others = await _strangers(session, people, OTHERS, "other")
    await worker.drain()
    first = await for_you.page(session, settings, vic.id, Cursor(limit=2))
    await session.commit()
    assert {p.id for p in first.posts} <= set(foxes)
    assert first.next_max_id == first.posts[-1].id
    unchanged = await for_you.page(session, settings, vic.id,
                                   Cursor(max_id=first.next_max_id, limit=2))
    assert {p.id for p in unchanged.posts} <= set(foxes)  # without feedback: more foxes

    await feedback.give(session, vic.id, "less", post_id=first.posts[0].id)
    await session.commit()
    second = await for_you.page(session, settings, vic.id,
                                Cursor(max_id=first.next_max_id, limit=2))
    await session.commit()
    assert second.posts and {p.id for p in second.posts} <= set(others)
    # Paging on is stable and never repeats a post.
    seen = [p.id for p in first.posts + second.posts]
    cursor = second.next_max_id
    while cursor is not None:
        more = await for_you.page(session, settings, vic.id, Cursor(max_id=cursor, limit=2))
        seen += [p.id for p in more.posts]
        cursor = more.next_max_id
    assert len(seen) == len(set(seen)) == len(foxes) + len(others)
    assert seen[-1] in foxes  # the foxes left sink to the end, not out


async def test_each_client_pages_its_own_ranking(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    """The phone is half way down For You when the laptop opens it, with new posts about:
    the laptop's fresh ranking has them, and the phone pages on through its own."""
    vic = await _fox_liker(session, people)
    before = await _strangers(session, people, FOXES + OTHERS, "early")
    await worker.drain()
    phone = await for_you.page(session, settings, vic.id, Cursor(limit=3), client="phone")
    await session.commit()
    later = await _strangers(session, people, FOXES + OTHERS, "late")
    await worker.drain()
    laptop = await for_you.page(session, settings, vic.id, Cursor(limit=3), client="laptop")
    await session.commit()
    seen, cursor = [p.id for p in phone.posts], phone.next_max_id
    while cursor is not None:
        more = await for_you.page(session, settings, vic.id, Cursor(max_id=cursor, limit=3),
                                  client="phone")
        seen += [p.id for p in more.posts]
        cursor = more.next_max_id
    assert len(seen) == len(set(seen)) == len(before)
    assert set(seen) == set(before)
    assert {p.id for p in laptop.posts} & set(later)  # the laptop ranked afresh


async def test_not_interested_in_an_account_or_a_tag_removes_their_posts(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    vic, xan, yul = [await people.make(n) for n in ("vic", "xan", "yul")]
    await graph.follow(session, vic.id, xan.id)
    await session.commit()
    xs = [await _post(session, xan, f"morning sketch number {n}") for n in range(3)]
    tagged = await _post(session, yul, "a new dragon for #pixelart day")
    plain = await _post(session, yul, "a quiet evening walk")
    assert set(xs) | {tagged, plain} == {r.post_id for r in
                                         await for_you.rank(session, settings, vic.id)}
    await feedback.give(session, vic.id, "not_interested", author_id=xan.id)
    await feedback.give(session, vic.id, "not_interested", tag="#PixelArt")
    await session.commit()
    assert {r.post_id for r in await for_you.rank(session, settings, vic.id)} == {plain}
    await feedback.undo(session, vic.id, "not_interested", author_id=xan.id)
    await session.commit()
    assert {r.post_id for r in await for_you.rank(session, settings, vic.id)} == {plain, *xs}


async def test_author_diversity_spreads_a_prolific_author(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    vic, busy = await people.make("vic"), await people.make("busy")
    many = [await _post(session, busy, f"drawing {n} of the day") for n in range(5)]
    few = await _strangers(session, people, OTHERS[:3], "quiet")
    ranked = await for_you.rank(session, settings, vic.id)
    top = [r.post_id for r in ranked[:4]]
    assert sum(1 for i in top if i in many) == 1 and set(few) < set(top)
    busy_scores = [r.score for r in ranked if r.post_id in many]
    # Each repeat of an author weighs half (decay 0.5), down to the floor (0.25).
    assert busy_scores[1] / busy_scores[0] == pytest.approx(0.5, rel=0.01)
    assert busy_scores[4] / busy_scores[0] == pytest.approx(0.25, rel=0.01)


async def test_with_embeddings_off_it_ranks_by_the_people_followed_and_says_so(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    off = settings.model_copy(update={"embeddings": "off"})
    vic, ada, bob, cat = [await people.make(n) for n in ("vic", "ada", "bob", "cat")]
    for who in (ada, bob):
        await graph.follow(session, vic.id, who.id)
    liked = await _post(session, cat, "a lighthouse at dusk")
    plain = await _post(session, cat, "a cup of tea")
    for who in (ada, bob):
        await interactions.like(session, who, liked)
    await session.commit()
    page = await for_you.page(session, off, vic.id, Cursor())
    assert page.meaning is False
    assert [p.id for p in page.posts] == [liked, plain]
    assert page.reasons[liked].kind == "social"
    assert page.reasons[liked].text in ("liked by @bob and 1 other you follow",
                                        "liked by @ada and 1 other you follow")


async def test_since_id_and_min_id_answer_an_empty_page(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    vic, ann = await people.make("vic"), await people.make("ann")
    made = await _post(session, ann, "hello")
    assert [p.id for p in (await for_you.page(session, settings, vic.id, Cursor())).posts] \
        == [made]
    for cursor in (Cursor(since_id=1), Cursor(min_id=1)):
        assert (await for_you.page(session, settings, vic.id, cursor)).posts == []
    # A max_id not in the kept ranking ends the feed rather than repeating it.
    assert (await for_you.page(session, settings, vic.id, Cursor(max_id=made + 1))).posts \
        == []


async def test_trending_and_popular_are_read_once_a_minute_per_process(
    settings: Settings, session: AsyncSession, people: People
) -> None:
    """What is the same for everyone is not sorted again for each reader within
    SALON_FOR_YOU_SHARED_SECONDS; with 0 (the tests' setting) it is read afresh."""
    ada, bob = await people.make("ada"), await people.make("bob")
    first = await posts.create_post(session, ada, "a watercolour fox #foxes")
    await interactions.like(session, bob, first.id)
    await session.commit()
    cached = settings.model_copy(update={"for_you_shared_seconds": 60.0})
    floor = sources.window_floor(settings)
    sources.forget_shared()
    assert (await sources.shared(session, cached, floor)).popular == [first.id]
    second = await posts.create_post(session, ada, "a watercolour hare")
    await interactions.like(session, bob, second.id)
    await interactions.like(session, ada, second.id)
    await session.commit()
    assert (await sources.shared(session, cached, floor)).popular == [first.id]
    assert (await sources.shared(session, settings, floor)).popular == [second.id, first.id]
    sources.forget_shared()
