"""Salon's extensions of the Mastodon API: the `salon` object on a Status and Generation.
Mastodon clients ignore attributes they do not know, so these ride along safely."""

from __future__ import annotations

from dataclasses import asdict

from salon.api.mastodon.entities.common import Entity, maybe_timestamp, media_url, timestamp
from salon.api.mastodon.entities.media import MediaAttachmentEntity, media
from salon.generation import previews
from salon.generation.models import Generation
from salon.generation.schemas import Recipe
from salon.generation.service import CandidateView
from salon.posts.schemas import PostView
from salon.settings import get_settings


class RecipeEntity(Entity):
    """How a picture was made. What its engine does not use is null (the sketch engine's
    steps and guidance, an Images API's seed); subseed and subseed_strength only for a
    variation (Vary subtle)."""

    prompt: str
    negative_prompt: str
    engine: str
    model: str
    seed: int | None
    steps: int | None
    guidance: float | None
    width: int
    height: int
    style: str
    aspect: str
    subseed: int | None = None
    subseed_strength: float | None = None


class MediaRecipeEntity(Entity):
    media_id: str  # one of the status's media_attachments
    recipe: RecipeEntity


class SalonStatusEntity(Entity):
    ai_generated: bool  # made by a trained model, or written by the assistant
    made_with: str | None  # the engine that made its pictures (sketch, diffusers, openai)
    # What the post says about it: "AI-generated", "Made with sketch"; "AI" for the
    # assistant's words.
    label: str | None
    recipe: RecipeEntity | None  # the first picture's; null when none or its author hid it
    media_recipes: list[MediaRecipeEntity]  # each generated picture's, in the post's order
    remix_of: str | None  # the id of the status this one remixes, when visible
    remixes_count: int


def recipe(r: Recipe) -> RecipeEntity:
    return RecipeEntity(**asdict(r))


ASSISTANT_LABEL = "AI"


def salon_status(view: PostView) -> SalonStatusEntity:
    by_assistant = view.author.is_assistant
    return SalonStatusEntity(
        ai_generated=view.ai_generated or by_assistant,
        made_with=view.made_with,
        label=view.made_label or (ASSISTANT_LABEL if by_assistant else None),
        recipe=recipe(view.recipe) if view.recipe else None,
        media_recipes=[MediaRecipeEntity(media_id=str(media_id), recipe=recipe(r))
                       for media_id, r in view.recipes.items()],
        remix_of=str(view.remix_of.id) if view.remix_of is not None else None,
        remixes_count=view.post.remixes_count,
    )


class GenerationParamsEntity(Entity):
    count: int
    aspect: str
    width: int
    height: int
    steps: int
    guidance: float
    style: str
    source_media_id: str | None
    strength: float | None
    subseed: int | None
    subseed_strength: float | None


class GenerationEntity(Entity):
    id: str
    state: str
    progress: float
    prompt: str
    negative_prompt: str
    engine: str
    model: str
    seed: int
    params: GenerationParamsEntity
    remix_of: str | None
    variation_of: str | None  # the generation a Vary made this one from
    variation_position: int | None  # and which of its candidates
    error: str | None
    created_at: str
    finished_at: str | None
    candidates: list[MediaAttachmentEntity]
    # While it runs, on engines that show them: the pictures so far (they change each tick).
    previews: list[str]
    usage: dict[str, int] | None  # what a paid engine reported using
    cost_usd: float | None
    # The prompt's words the engine drew ("used") and could not ("ignored"), where it says.
    words: dict[str, list[str]] | None


def generation(g: Generation, candidates: list[CandidateView], base: str) -> GenerationEntity:
    """A Generation; `candidates` are its stored pictures (expired ones are left out)."""
    return GenerationEntity(
        id=str(g.id),
        state=g.state,
        progress=round(g.progress, 3),
        prompt=g.prompt,
        negative_prompt=g.negative_prompt,
        engine=g.engine,
        model=g.model,
        seed=g.seed,
        params=GenerationParamsEntity(
            count=g.count, aspect=g.aspect, width=g.width, height=g.height, steps=g.steps,
            guidance=g.guidance, style=g.style,
            source_media_id=str(g.source_media_id) if g.source_media_id else None,
            strength=g.strength if g.source_media_id else None,
            subseed=g.subseed,
            subseed_strength=g.subseed_strength if g.subseed is not None else None,
        ),
        remix_of=str(g.remix_of_id) if g.remix_of_id else None,
        variation_of=str(g.variation_of_id) if g.variation_of_id else None,
        variation_position=g.variation_position if g.variation_of_id else None,
        error=g.error,
        created_at=timestamp(g.created_at),
        finished_at=maybe_timestamp(g.finished_at),
        candidates=[media(c.media, base) for c in candidates if c.media is not None],
        previews=[f"{media_url(base, key)}?v={g.preview_version}"
                  for key in previews.shown(get_settings(), g)],
        usage=g.usage,
        cost_usd=g.cost_usd,
        words=g.words,
    )
