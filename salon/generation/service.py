"""Asking for pictures: validate, screen (prompt filter, quota), queue, follow, cancel, retry,
vary. Services take a session and never commit; refusals are the one record written on the
side, so that moderators see them although the request fails."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.db.session import lock_row, side_transaction
from salon.errors import Invalid, NotFound, RateLimited
from salon.events import service as events
from salon.generation import engines
from salon.generation.engines.base import MAX_SEED, Engine
from salon.generation.models import FINISHED, Candidate, Generation, Refusal, State
from salon.generation.schemas import GenerationSpec, Recipe
from salon.jobs import service as jobs
from salon.media.models import MediaAttachment
from salon.posts.models import Post
from salon.posts.visibility import visible_ids, visible_to
from salon.settings import Settings
from salon.timelines.schemas import Cursor

RUN_JOB = "generation.run"
MAX_PROMPT = 2000
SUBTLE = 0.18  # how much of another noise "Vary (subtle)" mixes in
STRONG = 0.65  # how far "Vary (strong)" moves away from the picture, image-to-image


@lru_cache(maxsize=8)
def _blocklist_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)", re.IGNORECASE)


def blocked_words(settings: Settings) -> tuple[str, ...]:
    words = [w.strip() for w in settings.prompt_blocklist.split(",")]
    if settings.prompt_blocklist_file is not None:
        lines = settings.prompt_blocklist_file.read_text("utf-8").splitlines()
        words += [w.strip() for w in lines if not w.lstrip().startswith("#")]
    return tuple(sorted({w.lower() for w in words if w}))


def blocked_word(settings: Settings, prompt: str) -> str | None:
    """The first blocked word or phrase in the prompt (whole words, any case), if any."""
    pattern = _blocklist_pattern(blocked_words(settings))
    found = pattern.search(prompt) if pattern else None
    return found.group(1) if found else None


async def _refuse(session: AsyncSession, account_id: int, reason: str, detail: str) -> None:
    async with side_transaction(session) as side:
        side.add(Refusal(account_id=account_id, reason=reason, detail=detail[:200]))


async def images_used(session: AsyncSession, account_id: int) -> int:
    """Images asked for in the last 24 hours, by the account or for it (the assistant
    draws for people); failed and cancelled ones are given back."""
    since = utcnow() - timedelta(hours=24)
    used = await session.scalar(
        select(func.coalesce(func.sum(Generation.count), 0)).where(
            or_(Generation.account_id == account_id, Generation.on_behalf_of_id == account_id),
            Generation.created_at >= since,
            Generation.state.not_in((State.failed, State.cancelled)),
        )
    )
    return int(used or 0)


async def _screen(
    session: AsyncSession, settings: Settings, account: Account, spec: GenerationSpec
) -> None:
    word = blocked_word(settings, spec.prompt)
    if word is not None:
        await _refuse(session, account.id, "blocklist", word)
        raise Invalid(
            f"Prompts on this instance may not contain “{word}”. Remove it and try again.",
            "prompt",
        )
    used = await images_used(session, account.id)
    if (over := _over_quota(settings, used, spec.count)) is not None:
        quota = settings.generation_daily_quota
        await _refuse(session, account.id, "quota", f"{used}+{spec.count}>{quota}")
        raise over


def _over_quota(settings: Settings, used: int, count: int) -> RateLimited | None:
    quota = settings.generation_daily_quota
    if used + count <= quota:
        return None
    left = max(0, quota - used)
    return RateLimited(
        f"You can make {quota} images a day and have {left} left. "
        + (f"Ask for {left} or fewer, or try again later." if left else "Try again later."),
        "count",
    )


NO_RECIPE = ("This post does not exist, is not visible to you, or has no recipe to remix; "
             "pick another.")


async def _remix_source(
    session: AsyncSession, viewer_id: int, post_id: int
) -> Post:
    # Missing, not visible, recipe hidden, nothing generated: one answer, so the answer
    # tells nothing about a post the viewer may not see.
    post = await session.scalar(select(Post).where(Post.id == post_id, visible_to(viewer_id)))
    if post is None or post.reblog_of_id is not None or post.recipe_hidden:
        raise Invalid(NO_RECIPE, "remix_of")
    generated = await session.scalar(
        select(Candidate.id).join(MediaAttachment, MediaAttachment.id == Candidate.media_id)
        .where(MediaAttachment.post_id == post.id).limit(1)
    )
    if generated is None:
        raise Invalid(NO_RECIPE, "remix_of")
    return post


async def _source_media(
    session: AsyncSession, account_id: int, media_id: int, engine: Engine,
    reader_id: int | None = None,
) -> MediaAttachment:
    """One's own picture; or, drawing for `reader_id`, a picture of a post they may see."""
    if not engine.capabilities.image_to_image:
        raise Invalid(f"The {engine.name} engine cannot start from an image; choose another "
                      "engine or leave out the source image.", "source_media_id")
    media = await session.get(MediaAttachment, media_id)
    seen = (media is not None and reader_id is not None and media.post_id is not None
            and bool(await visible_ids(session, reader_id, [media.post_id])))
    if media is None or not (media.account_id == account_id or seen) \
            or media.status != "ready":
        raise Invalid(f"Image {media_id} is not one of your pictures; pick one of your own.",
                      "source_media_id")
    return media


def _check(spec: GenerationSpec, engine: Engine) -> tuple[str, str, int, int]:
    """Normalised prompt, negative prompt and size; errors say what to change."""
    prompt = " ".join(spec.prompt.split())
    negative = " ".join(spec.negative_prompt.split())
    if not prompt:
        raise Invalid("Describe the picture you want: the prompt is empty.", "prompt")
    for field, value in (("prompt", prompt), ("negative_prompt", negative)):
        if len(value) > MAX_PROMPT:
            raise Invalid(f"The {field.replace('_', ' ')} can have at most {MAX_PROMPT} "
                          f"characters; this one has {len(value)}.", field)
    caps = engine.capabilities
    if negative and not caps.negative_prompt:
        raise Invalid(f"The {engine.name} engine does not take a negative prompt.",
                      "negative_prompt")
    if not 1 <= spec.count <= caps.max_count:
        raise Invalid(f"Ask for 1 to {caps.max_count} images, not {spec.count}.", "count")
    if spec.aspect not in caps.sizes:
        raise Invalid(f"The aspect must be one of {', '.join(caps.sizes)}, not "
                      f"{spec.aspect!r}.", "aspect")
    for field, seed in (("seed", spec.seed), ("subseed", spec.subseed)):
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise Invalid(f"The {'variation ' if field == 'subseed' else ''}seed must be a "
                          f"whole number from 0 to {MAX_SEED}.", field)
    if spec.style and spec.style not in caps.styles:
        raise Invalid(f"The {engine.name} engine has no style {spec.style!r}; choose one of "
                      f"{', '.join(caps.styles)} or none.", "style")
    if not 0.0 <= spec.strength <= 1.0 or not 0.0 <= spec.subseed_strength <= 1.0:
        raise Invalid("Strengths go from 0.0 to 1.0.", "strength")
    width, height = caps.sizes[spec.aspect]
    return prompt, negative, width, height


async def request(
    session: AsyncSession, settings: Settings, account: Account, spec: GenerationSpec,
    *, on_behalf_of: Account | None = None, then: dict[str, object] | None = None,
) -> Generation:
    """Queue a generation for the account; the workers take it from there. Made
    `on_behalf_of` someone (the assistant drawing for them): their prompt screen and
    allowance apply, and the remix source and picture to start from are what they may
    see. `then`: a job ({"kind", "payload"}) to enqueue when it has finished."""
    engine = engines.pick(settings, spec.engine)
    prompt, negative, width, height = _check(spec, engine)
    reader = on_behalf_of or account
    remix = (await _remix_source(session, reader.id, spec.remix_of_id)
             if spec.remix_of_id is not None else None)
    source = (await _source_media(session, account.id, spec.source_media_id, engine,
                                  on_behalf_of.id if on_behalf_of else None)
              if spec.source_media_id is not None else None)
    await _screen(session, settings, reader, spec)
    # The screen's count raced other requests of the same account; count again holding
    # the account's lock until commit. A loser of that race is refused without a record
    # (on SQLite a side transaction would wait for the lock this one holds).
    await lock_row(session, Account.__table__, reader.id)
    if (over := _over_quota(settings, await images_used(session, reader.id),
                            spec.count)) is not None:
        raise over
    caps = engine.capabilities
    generation = Generation(
        account_id=account.id,
        state=State.queued,
        progress=0.0,
        prompt=prompt,
        negative_prompt=negative,
        engine=engine.name,
        model=engine.model,
        trained=engine.trained,
        seed=spec.seed if spec.seed is not None else secrets.randbelow(MAX_SEED + 1),
        count=spec.count,
        aspect=spec.aspect,
        width=width,
        height=height,
        steps=caps.default_steps,
        guidance=caps.default_guidance,
        style=spec.style,
        subseed=spec.subseed,
        subseed_strength=spec.subseed_strength if spec.subseed is not None else 0.0,
        source_media_id=source.id if source else None,
        strength=spec.strength if source else 0.0,
        remix_of_id=remix.id if remix else None,
        on_behalf_of_id=on_behalf_of.id if on_behalf_of else None,
        then=then,
    )
    session.add(generation)
    await session.flush()
    jobs.enqueue(session, RUN_JOB, {"generation_id": generation.id}, max_attempts=5)
    changed(session, generation)
    return generation


def changed(session: AsyncSession, generation: Generation) -> None:
    """Tell the owner's live views (after commit)."""
    events.publish(session, f"user:{generation.account_id}", "salon.generation",
                   generation_id=generation.id)


def finished(session: AsyncSession, generation: Generation) -> None:
    """The generation has finished (made, failed or cancelled): start what was to follow."""
    if generation.then:
        kind, payload = generation.then["kind"], generation.then.get("payload")
        jobs.enqueue(session, str(kind), dict(payload) if isinstance(payload, dict) else {})
        generation.then = None  # once


async def get_own(session: AsyncSession, account_id: int, generation_id: int) -> Generation:
    generation = await session.get(Generation, generation_id)
    if generation is None or generation.account_id != account_id:
        raise NotFound("This generation does not exist or is not yours.")
    return generation


async def list_own(session: AsyncSession, account_id: int, cursor: Cursor) -> list[Generation]:
    stmt = select(Generation).where(Generation.account_id == account_id)
    rows = list(await session.scalars(cursor.apply(stmt, Generation.id)))
    return rows[::-1] if cursor.ascending else rows


@dataclass
class CandidateView:
    candidate: Candidate
    media: MediaAttachment | None  # None once expired (not picked) or its post deleted


async def candidates(
    session: AsyncSession, generation_ids: list[int]
) -> dict[int, list[CandidateView]]:
    """Each generation's candidates in order, in one query."""
    found: dict[int, list[CandidateView]] = {g: [] for g in generation_ids}
    if not generation_ids:
        return found
    rows = await session.execute(
        select(Candidate, MediaAttachment)
        .outerjoin(MediaAttachment, MediaAttachment.id == Candidate.media_id)
        .where(Candidate.generation_id.in_(generation_ids))
        .order_by(Candidate.generation_id, Candidate.position)
    )
    for candidate, media in rows:
        found[candidate.generation_id].append(CandidateView(candidate, media))
    return found


async def cancel(session: AsyncSession, account: Account, generation_id: int) -> Generation:
    """Stop a queued or running generation; a running engine stops at its next step."""
    generation = await get_own(session, account.id, generation_id)
    if generation.state in FINISHED:
        raise Invalid(f"This generation has already {generation.state}; nothing to cancel.",
                      "id")
    generation.state, generation.finished_at = State.cancelled, utcnow()
    changed(session, generation)
    finished(session, generation)
    return generation


async def retry(
    session: AsyncSession, settings: Settings, account: Account, generation_id: int
) -> Generation:
    """Run a failed or cancelled generation again, with the same recipe."""
    generation = await get_own(session, account.id, generation_id)
    if generation.state not in (State.failed, State.cancelled):
        raise Invalid("Only failed or cancelled generations can be tried again.", "id")
    engines.pick(settings, generation.engine)
    await _screen(session, settings, account, GenerationSpec(generation.prompt,
                                                             count=generation.count))
    generation.state, generation.progress, generation.error = State.queued, 0.0, None
    generation.created_at, generation.finished_at = utcnow(), None  # counts against today
    jobs.enqueue(session, RUN_JOB, {"generation_id": generation.id}, max_attempts=5)
    changed(session, generation)
    return generation


def spec_of(generation: Generation) -> GenerationSpec:
    """The request that made this generation, to prefill a form or ask again."""
    return GenerationSpec(
        prompt=generation.prompt,
        negative_prompt=generation.negative_prompt,
        count=generation.count,
        aspect=generation.aspect,
        seed=generation.seed,
        style=generation.style,
        engine=generation.engine,
        remix_of_id=generation.remix_of_id,
    )


async def vary(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    generation_id: int,
    position: int,
    strong: bool,
) -> Generation:
    """New candidates like one of these. Subtle: the same seed with a little other noise.
    Strong: image-to-image from the candidate where the engine can, else a new seed."""
    generation = await get_own(session, account.id, generation_id)
    views = (await candidates(session, [generation.id]))[generation.id]
    chosen = next((v for v in views if v.candidate.position == position), None)
    if chosen is None:
        raise Invalid(f"This generation has no candidate {position}.", "position")
    spec = spec_of(generation)
    spec.count = min(generation.count, 4) or 4
    engine = engines.pick(settings, generation.engine)
    if not strong:
        spec.seed = chosen.candidate.seed
        spec.subseed = secrets.randbelow(MAX_SEED + 1)
        spec.subseed_strength = SUBTLE
    elif engine.capabilities.image_to_image and chosen.media is not None:
        spec.seed = secrets.randbelow(MAX_SEED + 1)
        spec.source_media_id = chosen.media.id
        spec.strength = STRONG
    else:
        spec.seed = secrets.randbelow(MAX_SEED + 1)
    made = await request(session, settings, account, spec)
    made.variation_of_id, made.variation_position = generation.id, position
    return made


def recipe(generation: Generation, seed: int) -> Recipe:
    """The recipe of the generation's picture made with `seed`, with only what its engine
    uses. A variation's other noise moves along with the seed, as the engines draw it."""
    uses = engines.recipe_fields(generation.engine)
    varied = generation.subseed is not None and "variation" in uses
    return Recipe(
        prompt=generation.prompt,
        negative_prompt=generation.negative_prompt if "negative_prompt" in uses else "",
        engine=generation.engine,
        model=generation.model,
        seed=seed if "seed" in uses else None,
        steps=generation.steps if "steps" in uses else None,
        guidance=generation.guidance if "guidance" in uses else None,
        width=generation.width,
        height=generation.height,
        style=generation.style if "style" in uses else "",
        aspect=generation.aspect,
        subseed=(generation.subseed or 0) + seed - generation.seed if varied else None,
        subseed_strength=generation.subseed_strength if varied else None,
    )


async def refusal_counts(session: AsyncSession, days: int = 30) -> dict[int, dict[str, int]]:
    """Refusals per account and reason over the last `days`, for the moderation page."""
    since = utcnow() - timedelta(days=days)
    rows = await session.execute(
        select(Refusal.account_id, Refusal.reason, func.count())
        .where(Refusal.created_at >= since)
        .group_by(Refusal.account_id, Refusal.reason)
    )
    counts: dict[int, dict[str, int]] = {}
    for account_id, reason, n in rows:
        counts.setdefault(account_id, {})[reason] = int(n)
    return counts
