"""Asking for pictures: what is refused and why, quotas, the prompt filter, remix sources."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.errors import Invalid, NotFound, RateLimited
from salon.generation import service as generation
from salon.generation.models import Generation, Refusal, State
from salon.generation.schemas import GenerationSpec
from salon.jobs.models import Job
from salon.posts import service as posts
from salon.settings import Settings
from tests.conftest import People


async def _count(session: AsyncSession, model: type[Generation] | type[Refusal]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_request_queues_a_generation_and_its_job(
    session: AsyncSession, settings: Settings, people: People
) -> None:
    alice = await people.make("alice")
    made = await generation.request(session, settings, alice, GenerationSpec(
        "  a red   lighthouse ", negative_prompt="fog", count=2, aspect="16:9", seed=42))
    await session.commit()
    assert made.state == State.queued and made.prompt == "a red lighthouse"
    assert (made.width, made.height, made.seed, made.engine) == (1280, 720, 42, "sketch")
    job = await session.scalar(select(Job).where(Job.kind == generation.RUN_JOB))
    assert job is not None and job.payload == {"generation_id": made.id}
    unseeded = await generation.request(session, settings, alice, GenerationSpec("a boat"))
    assert 0 <= unseeded.seed < 2**32 and unseeded.count == 4


@pytest.mark.parametrize(("spec", "field", "words"), [
    (GenerationSpec(""), "prompt", "empty"),
    (GenerationSpec("   "), "prompt", "empty"),
    (GenerationSpec("x" * 2001), "prompt", "2000"),
    (GenerationSpec("ok", negative_prompt="y" * 2001), "negative_prompt", "2000"),
    (GenerationSpec("ok", engine="dalle"), "engine", "sketch"),
    (GenerationSpec("ok", count=0), "count", "1 to 4"),
    (GenerationSpec("ok", count=5), "count", "1 to 4"),
    (GenerationSpec("ok", aspect="4:3"), "aspect", "16:9"),
    (GenerationSpec("ok", seed=-1), "seed", "4294967295"),
    (GenerationSpec("ok", seed=2**32), "seed", "4294967295"),
    (GenerationSpec("ok", style="cubism"), "style", "cubism"),
    (GenerationSpec("ok", source_media_id=1, strength=1.5), "strength", "0.0 to 1.0"),
    (GenerationSpec("ok", source_media_id=1), "source_media_id", "your own"),
    (GenerationSpec("ok", remix_of_id=123), "remix_of", "not visible"),
])
async def test_bad_requests_say_what_to_change_and_create_nothing(
    session: AsyncSession, settings: Settings, people: People, spec: GenerationSpec,
    field: str, words: str,
) -> None:
    alice = await people.make("alice")
    with pytest.raises(Invalid) as refused:
        await generation.request(session, settings, alice, spec)
    assert refused.value.field == field
    assert words in refused.value.message
    await session.rollback()
    assert await _count(session, Generation) == 0


def test_spec_from_fields_refuses_words_for_numbers() -> None:
    spec = GenerationSpec.from_fields({"prompt": "sea", "count": 2, "seed": "7",
                                       "strength": "0.3"})
    assert (spec.count, spec.seed, spec.strength) == (2, 7, 0.3)
    for name, value in (("count", "four"), ("seed", "-3"), ("seed", "1e5"),
                        ("strength", "lots"), ("remix_of", "abc")):
        with pytest.raises(Invalid) as refused:
            GenerationSpec.from_fields({"prompt": "sea", name: value})
        assert refused.value.field == name


async def test_prompt_filter_refuses_whole_words_in_any_case_and_counts_refusals(
    session: AsyncSession, settings: Settings, people: People
) -> None:
    settings.prompt_blocklist = "gore, blood bath"
    alice = await people.make("alice")
    for prompt, word in (("Some GORE please", "gore"), ("a blood bath at dawn", "blood bath")):
        with pytest.raises(Invalid) as refused:
            await generation.request(session, settings, alice, GenerationSpec(prompt))
        assert word in refused.value.message.lower()
        await session.rollback()  # what the request handler does with a refusal
        await session.refresh(alice)
    # Whole words only: these are fine.
    await generation.request(session, settings, alice, GenerationSpec("a gorgeous bloody sky"))
    await session.commit()
    assert await generation.refusal_counts(session) == {alice.id: {"blocklist": 2}}


async def test_blocklist_file_is_read_too(
    session: AsyncSession, settings: Settings, people: People
) -> None:
    banned = settings.data_dir / "blocklist.txt"
    banned.write_text("# one per line\nzombie\n")
    settings.prompt_blocklist_file = banned
    alice = await people.make("alice")
    with pytest.raises(Invalid):
        await generation.request(session, settings, alice, GenerationSpec("Zombie parade"))


async def test_daily_quota_counts_images_and_gives_back_failed_ones(
    session: AsyncSession, settings: Settings, people: People
) -> None:
    settings.generation_daily_quota = 5
    alice, bob = await people.make("alice"), await people.make("bob")
    first = await generation.request(session, settings, alice, GenerationSpec("a", count=4))
    await session.commit()
    with pytest.raises(RateLimited) as refused:
        await generation.request(session, settings, alice, GenerationSpec("b", count=2))
    assert "1 left" in refused.value.message
    await session.rollback()
    await session.refresh(alice)
    await session.refresh(bob)
    await session.refresh(first)
    await generation.request(session, settings, bob, GenerationSpec("b", count=4))  # own quota
    first.state = State.failed  # a failed generation does not count
    await session.commit()
    await generation.request(session, settings, alice, GenerationSpec("c", count=4))
    await session.commit()
    assert (await generation.refusal_counts(session))[alice.id] == {"quota": 1}


async def test_remix_needs_a_visible_post_with_a_recipe(
    session: AsyncSession, settings: Settings, people: People
) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    private = await posts.create_post(session, alice, "for followers", visibility="private")
    hidden = await posts.create_post(session, alice, "secret recipe", recipe_hidden=True)
    hidden.recipe_hidden = True  # as if it carried a generated picture
    gone = await posts.create_post(session, alice, "deleted soon")
    await session.commit()
    await posts.delete_post(session, alice, gone.id)
    await session.commit()
    # One answer for all: a hidden recipe or an unseen post says no more than a missing one.
    for post_id in (private.id, gone.id, hidden.id):
        with pytest.raises(Invalid) as refused:
            await generation.request(session, settings, bob,
                                     GenerationSpec("again", remix_of_id=post_id))
        assert refused.value.message == generation.NO_RECIPE
        assert refused.value.field == "remix_of"
        await session.rollback()
        await session.refresh(bob)


async def test_cancel_and_retry(session: AsyncSession, settings: Settings, people: People) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    made = await generation.request(session, settings, alice, GenerationSpec("a kite"))
    await session.commit()
    with pytest.raises(Invalid):
        await generation.retry(session, settings, alice, made.id)  # still queued
    with pytest.raises(NotFound):
        await generation.cancel(session, bob, made.id)  # not bob's
    await generation.cancel(session, alice, made.id)
    await session.commit()
    assert made.state == State.cancelled
    with pytest.raises(Invalid):
        await generation.cancel(session, alice, made.id)
    again = await generation.retry(session, settings, alice, made.id)
    assert again.state == State.queued and again.id == made.id


def test_each_engine_names_the_recipe_fields_it_uses() -> None:
    from salon.generation import engines
    from salon.generation.engines.base import RECIPE_FIELDS

    assert set(engines.CLASSES) == set(engines.KNOWN)
    uses = {name: engines.recipe_fields(name) for name in engines.KNOWN}
    assert all(fields <= set(RECIPE_FIELDS) for fields in uses.values())
    assert uses["sketch"] == {"negative_prompt", "seed", "variation", "style"}
    assert uses["diffusers"] == {"negative_prompt", "seed", "variation", "steps", "guidance"}
    assert uses["openai"] == frozenset()  # the prompt and the size: the recipe's own
    assert engines.recipe_fields("retired") == set(RECIPE_FIELDS)  # shows all it has
    assert engines.KNOWN["sketch"](Settings()).recipe_fields == ("negative_prompt", "seed",
                                                                  "variation", "style")


@pytest.mark.parametrize(("engine", "shown"), [
    ("sketch", {"seed": 12, "negative_prompt": "fog", "style": "ink", "subseed": 501}),
    ("diffusers", {"seed": 12, "negative_prompt": "fog", "steps": 30, "guidance": 6.0,
                   "subseed": 501}),
    ("openai", {}),
])
def test_a_recipe_shows_only_what_its_engine_uses(engine: str, shown: dict[str, object]
                                                  ) -> None:
    made = Generation(prompt="a harbour", negative_prompt="fog", engine=engine, model="m",
                      seed=10, count=4, aspect="1:1", width=64, height=64, steps=30,
                      guidance=6.0, style="ink", subseed=499, subseed_strength=0.18)
    recipe = generation.recipe(made, 12).as_dict()  # the third picture
    optional = {"seed", "negative_prompt", "steps", "guidance", "style", "subseed",
                "subseed_strength"}
    assert {k: v for k, v in recipe.items() if k in optional and v} == {
        **shown, **({"subseed_strength": 0.18} if "subseed" in shown else {})}
    assert (recipe["prompt"], recipe["width"], recipe["aspect"]) == ("a harbour", 64, "1:1")
