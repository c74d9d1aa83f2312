"""Generation jobs: run an engine, store signed candidates; expire what was not posted.

A generation's work happens outside the job's own transaction (progress must be seen while
the engine runs); its result is written in the job's transaction, so the result and the
job's completion commit together. A worker that dies mid-way loses nothing: the job's lease
runs out, another worker starts the generation again, and the engine is deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from PIL import Image
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.datasets import service as datasets
from salon.datasets.schemas import GENERATED
from salon.db.ids import new_id, utcnow
from salon.db.session import side_transaction
from salon.generation import credentials, engines, previews, provenance, service
from salon.generation.engines.base import Engine, EngineError, EngineRequest, Output
from salon.generation.models import Candidate, Generation, State
from salon.generation.posting import RESTORE_RECIPE_JOB, prompt_alt
from salon.jobs import service as jobs
from salon.jobs.worker import RUNNING, handler
from salon.media import images
from salon.media import service as media
from salon.media.models import MediaAttachment
from salon.media.store import MediaStore, is_guessable, media_store, new_folder, refolded
from salon.posts.models import Post
from salon.posts.visibility import OPEN
from salon.settings import Settings, get_settings

log = logging.getLogger("salon.generation")
EXPIRE_JOB = "generation.expire"
EXPIRE_EVERY = timedelta(minutes=10)
TICK = 0.4  # seconds between progress writes
TURN_WAIT = 2.0  # seconds before a generation waiting for a busy engine is tried again
BUSY: set[str] = set()  # exclusive engines running a generation in this process
REKEY_BATCH = 200  # rows per run of media.rekey: each run's transaction stays short


class Cancelled(Exception):
    """Raised inside the engine's thread when the owner cancelled the generation."""


class _Progress:
    """Shared between the engine's thread (which reports) and the loop (which saves)."""

    def __init__(self) -> None:
        self.value = 0.0
        self.cancelled = threading.Event()
        self.previews: list[Image.Image] = []
        self.preview_version = 0  # pictures the engine reported
        self.stored = 0  # the generation's preview_version the watcher last stored

    def report(self, fraction: float, previews: Sequence[Image.Image] | None = None) -> None:
        if self.cancelled.is_set():
            raise Cancelled
        self.value = max(self.value, min(1.0, float(fraction)))
        if previews:
            self.previews = list(previews)
            self.preview_version += 1


def _software_agent(engine: Engine) -> str:
    return f"Salon {engine.name} engine ({engine.model})"  # as restore_recipe writes it


def _signed_png(settings: Settings, agent: str, trained: bool, picture: Image.Image,
                recipe: dict[str, object] | None, training: bool) -> bytes:
    """A PNG with the recipe (if any) and content credentials; signing comes last."""
    return credentials.sign(provenance.encode_png(picture, recipe), "image/png",
                            software_agent=agent, trained=trained, settings=settings,
                            training=training)


def _encode(settings: Settings, engine: Engine, picture: Image.Image,
            recipe: dict[str, object], training: bool
            ) -> tuple[bytes, bytes, images.EncodedImage, str]:
    """Both signed copies (with and without the recipe), the thumbnail and the blurhash;
    `training`: whether the author allows training on their generated pictures."""
    agent = _software_agent(engine)
    with_recipe = provenance.encode_png(picture, recipe)
    plain = provenance.strip_recipe(with_recipe)  # same pixels, no second PNG encode
    sign = functools.partial(credentials.sign, content_type="image/png", software_agent=agent,
                             trained=engine.trained, settings=settings, training=training)
    with_recipe, plain = sign(with_recipe), sign(plain)
    thumbnail, blurhash = images.preview(picture)
    return with_recipe, plain, thumbnail, blurhash


async def _start(session: AsyncSession, settings: Settings, generation_id: int,
                 turn: set[str]) -> Generation | None:
    """Mark the generation running (again, after a crash); None when there is nothing to do.
    An engine that runs one generation at a time (`exclusive`) and is busy in this process
    sends the job back to the queue, so it holds no worker slot while it waits."""
    async with side_transaction(session) as side:
        generation = await side.get(Generation, generation_id)
        if generation is None:
            return None
        live = generation.state in (State.queued, State.running)
        if live and generation.engine in engines.exclusive_names(settings):
            if generation.engine in BUSY:  # checked and taken with no await between
                raise jobs.Later(TURN_WAIT, f"the {generation.engine} engine is busy")
            BUSY.add(generation.engine)
            turn.add(generation.engine)
        if generation.preview_version:  # left by a try that crashed, or never cleaned up
            media.schedule_delete(side, previews.left(settings, generation))
            generation.preview_version = 0
        if not live:
            return None
        generation.state, generation.progress = State.running, 0.0
        generation.started_at, generation.error = utcnow(), None
        generation.usage, generation.cost_usd = None, None
        service.changed(side, generation)
        return generation


async def _init_image(store: MediaStore, session: AsyncSession,
                      generation: Generation) -> Image.Image | None:
    if generation.source_media_id is None:
        return None
    # A side read: the job's own session must start no snapshot before its final write.
    async with side_transaction(session) as side:
        source = await side.get(MediaAttachment, generation.source_media_id)
    if source is None:
        raise EngineError("The picture to start from was deleted; choose another one.")
    data = await store.get(source.file_key)
    return Image.open(io.BytesIO(data)).convert("RGB")


async def _watch(session: AsyncSession, generation_id: int, count: int, progress: _Progress,
                 done: asyncio.Event) -> None:
    """Save progress and previews for live views, notice cancellation, and keep the job's
    lease."""
    settings, store = get_settings(), media_store(get_settings())
    saved, shown = -1.0, 0
    running = RUNNING.get()
    while not done.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), TICK)
        try:  # a failed tick (the store or the database briefly away) must not end the watch
            version, pictures = progress.preview_version, progress.previews
            encoded = (await asyncio.to_thread(previews.encode, pictures, count)
                       if version != shown and not done.is_set() else None)
            async with side_transaction(session) as side:
                generation = await side.get(Generation, generation_id)
                if generation is None or generation.state == State.cancelled:
                    progress.cancelled.set()
                    return
                if encoded is not None:
                    await previews.store(settings, store, generation, encoded)
                    shown, progress.stored = version, generation.preview_version
                if (progress.value - saved >= 0.05 or encoded is not None) \
                        and not done.is_set():
                    generation.progress = saved = round(progress.value, 3)
                    service.changed(side, generation)
                if running is not None:
                    await jobs.extend_leases(side, running.worker, running.lease)
        except Exception:
            log.warning("generation %s: a progress tick failed", generation_id, exc_info=True)


async def _fail(session: AsyncSession, generation_id: int, reason: str) -> None:
    generation = await session.get(Generation, generation_id)
    if generation is not None and generation.state != State.cancelled:
        generation.state, generation.error, generation.finished_at = (
            State.failed, reason, utcnow())
        service.changed(session, generation)
        service.finished(session, generation)


@handler(service.RUN_JOB)
async def run(session: AsyncSession, payload: dict[str, Any]) -> None:
    turn: set[str] = set()
    try:
        await _run(session, int(payload["generation_id"]), turn)
    finally:
        BUSY.difference_update(turn)


async def _run(session: AsyncSession, generation_id: int, turn: set[str]) -> None:
    settings, store = get_settings(), media_store(get_settings())
    generation = await _start(session, settings, generation_id, turn)
    if generation is None:
        return
    progress, done = _Progress(), asyncio.Event()
    watcher = asyncio.create_task(_watch(session, generation_id, generation.count, progress,
                                         done))
    try:
        engine = engines.pick(settings, generation.engine)
        request = EngineRequest(
            prompt=generation.prompt,
            negative_prompt=generation.negative_prompt,
            width=generation.width,
            height=generation.height,
            seed=generation.seed,
            count=generation.count,
            steps=generation.steps,
            guidance=generation.guidance,
            style=generation.style,
            subseed=generation.subseed,
            subseed_strength=generation.subseed_strength,
            init_image=await _init_image(store, session, generation),
            strength=generation.strength,
        )
        started = time.perf_counter()
        output = await asyncio.to_thread(engine.generate, request, progress.report)
        pictures = _checked(engine, request, output)
        training = await datasets.grants(session, generation.account_id, GENERATED)
        encoded = [
            await asyncio.to_thread(
                _encode, settings, engine, picture,
                service.recipe(generation, generation.seed + i).as_dict(), training)
            for i, picture in enumerate(pictures)
        ]
        log.info("generation %s: %d images in %.2fs", generation_id, len(pictures),
                 time.perf_counter() - started)
    except Cancelled:
        return
    except EngineError as exc:
        await _fail(session, generation_id, str(exc) or "The engine could not make this.")
        return
    except Exception as exc:  # any other failure also becomes a reason people can read
        log.exception("generation %s failed", generation_id)
        await _fail(session, generation_id, f"The {generation.engine} engine failed "
                    f"unexpectedly ({type(exc).__name__}: {exc}). Try again.")
        return
    finally:
        done.set()
        progress.cancelled.set()  # an engine still running (this task was cancelled) stops
        await watcher
        if progress.stored:
            media.schedule_delete(session, previews.left(settings, generation, progress.stored))
    await _save(session, store, generation_id, encoded, output)


def _checked(engine: Engine, request: EngineRequest, output: Output) -> list[Image.Image]:
    """The engine's pictures in RGB, if it made what was asked for."""
    if len(output.images) != request.count:
        raise EngineError(f"The {engine.name} engine made {len(output.images)} pictures "
                          f"instead of {request.count}. Try again.")
    return [p if p.mode == "RGB" else p.convert("RGB") for p in output.images]


async def _save(session: AsyncSession, store: MediaStore, generation_id: int,
                encoded: list[tuple[bytes, bytes, images.EncodedImage, str]],
                output: Output) -> None:
    generation = await session.get(Generation, generation_id)
    if generation is None or generation.state != State.running:
        return  # cancelled while the files were being made
    keys: list[str] = []
    for position, ((with_recipe, plain, thumbnail, blurhash), picture) in enumerate(
            zip(encoded, output.images, strict=True)):
        media_id = new_id()
        folder = new_folder(generation.account_id)
        recipe_key = f"{folder}/{secrets.token_urlsafe(9)}.png"
        plain_key = f"{folder}/{secrets.token_urlsafe(9)}.png"
        thumb_key = f"{folder}/small.{thumbnail.extension}"
        await store.put(recipe_key, with_recipe, "image/png")
        await store.put(plain_key, plain, "image/png")
        await store.put(thumb_key, thumbnail.data, thumbnail.content_type)
        keys += [recipe_key, plain_key, thumb_key]
        session.add(MediaAttachment(
            id=media_id,
            account_id=generation.account_id,
            status="ready",
            content_type="image/png",
            file_key=recipe_key,
            thumb_key=thumb_key,
            width=picture.width,
            height=picture.height,
            size_bytes=len(with_recipe),
            blurhash=blurhash,
            description=prompt_alt(generation),
        ))
        await session.flush()
        session.add(Candidate(generation_id=generation.id, position=position,
                              seed=generation.seed + position, media_id=media_id,
                              recipe_key=recipe_key, plain_key=plain_key))
    generation.state, generation.progress, generation.finished_at = (
        State.succeeded, 1.0, utcnow())
    generation.usage, generation.cost_usd = output.usage or None, output.cost_usd
    generation.words = output.words
    service.changed(session, generation)
    service.finished(session, generation)


@handler(RESTORE_RECIPE_JOB)
async def restore_recipe(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Write the recipe back into the files of a post whose author showed it again."""
    settings, store = get_settings(), media_store(get_settings())
    post = await session.get(Post, int(payload["post_id"]))
    if post is None or post.recipe_hidden:
        return
    rows = await session.execute(
        select(Candidate, Generation, MediaAttachment)
        .join(Generation, Generation.id == Candidate.generation_id)
        .join(MediaAttachment, MediaAttachment.id == Candidate.media_id)
        .where(MediaAttachment.post_id == post.id, Candidate.recipe_key.is_(None))
    )
    for candidate, generation, item in rows:
        if candidate.plain_key is None:
            continue
        picture = Image.open(io.BytesIO(await store.get(candidate.plain_key))).convert("RGB")
        agent = f"Salon {generation.engine} engine ({generation.model})"
        training = await datasets.grants(session, generation.account_id, GENERATED)
        data = await asyncio.to_thread(_signed_png, settings, agent, generation.trained, picture,
                                       service.recipe(generation, candidate.seed).as_dict(),
                                       training)
        key = f"{new_folder(generation.account_id, post.visibility in OPEN)}/recipe.png"
        await store.put(key, data, "image/png")
        candidate.recipe_key = item.file_key = key
        item.size_bytes = len(data)


@handler(media.PUBLISH_JOB)
async def publish(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Move a public post's files under public/; here, not in media/, because the
    candidates' rows name the same files and must follow them."""
    moved = await media.publish(session, media_store(get_settings()), int(payload["post_id"]))
    await _follow(session, moved)


async def _follow(session: AsyncSession, moved: dict[str, str]) -> None:
    """Point candidates naming moved files (old key -> new key) at the new keys."""
    if not moved:
        return
    for candidate in await session.scalars(select(Candidate).where(
            Candidate.recipe_key.in_(list(moved)) | Candidate.plain_key.in_(list(moved)))):
        candidate.recipe_key = moved.get(candidate.recipe_key or "", candidate.recipe_key)
        candidate.plain_key = moved.get(candidate.plain_key or "", candidate.plain_key)


@handler(media.REKEY_JOB)
async def rekey(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Move the files stored before keys had a random folder (ids predict theirs) to fresh
    folders, once, on upgrade: a bounded batch per run, in the run's transaction, and the
    job queues itself for the next (media with their candidates by id, then accounts). Rows
    already moved are skipped, so it is safe to run again. Here for publish's reason."""
    store = media_store(get_settings())
    after, of_accounts = int(payload.get("after", 0)), bool(payload.get("accounts"))
    step = _rekey_accounts if of_accounts else _rekey_media
    last = await step(session, store, after)
    if last is not None:
        jobs.enqueue(session, media.REKEY_JOB, {"accounts": of_accounts, "after": last})
    elif not of_accounts:
        jobs.enqueue(session, media.REKEY_JOB, {"accounts": True, "after": 0})


async def _rekey_media(session: AsyncSession, store: MediaStore, after: int) -> int | None:
    """One batch of media rows from `after` on; the last id when more may follow."""
    rows = (await session.execute(
        select(MediaAttachment, Candidate, Post.visibility)
        .outerjoin(Candidate, Candidate.media_id == MediaAttachment.id)
        .outerjoin(Post, Post.id == MediaAttachment.post_id)
        .where(MediaAttachment.id > after).order_by(MediaAttachment.id).limit(REKEY_BATCH)
    )).all()
    folders: dict[tuple[str, bool], str] = {}
    # Public where publish would have put them: open posts' files, where the store signs.
    public = {item.id: store.signs and visibility in OPEN for item, _c, visibility in rows}
    items = list({item.id: item for item, _c, _v in rows}.values())
    moved = await media.move(session, store, items, lambda item, key: refolded(
        key, item.account_id, public[item.id], folders) if is_guessable(key) else None)
    # A candidate's copy that is not the one shown stays private, as publish leaves it.
    moved |= await media.move_files(session, store, {
        key: refolded(key, item.account_id, False, folders)
        for item, candidate, _v in rows if candidate is not None
        for key in (candidate.recipe_key, candidate.plain_key)
        if key and key not in moved and is_guessable(key)})
    await _follow(session, moved)
    return rows[-1][0].id if len(rows) == REKEY_BATCH else None


async def _rekey_accounts(session: AsyncSession, store: MediaStore, after: int) -> int | None:
    """One batch of accounts' avatars and headers (public, as new ones are)."""
    found = list(await session.scalars(
        select(Account).where(Account.id > after).order_by(Account.id).limit(REKEY_BATCH)))
    folders: dict[tuple[str, bool], str] = {}
    moved = await media.move_files(session, store, {
        key: refolded(key, acc.id, True, folders) for acc in found
        for key in (acc.avatar_key, acc.header_key) if key and is_guessable(key)})
    for acc in found:
        await accounts.update_profile(session, acc, avatar_key=moved.get(acc.avatar_key or ""),
                                      header_key=moved.get(acc.header_key or ""))
    return found[-1].id if len(found) == REKEY_BATCH else None


@handler(EXPIRE_JOB, recurring=True)
async def expire(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Remove candidates nobody posted once they are older than the keep time, files and
    all; generations left with nothing posted go too. Reschedules itself."""
    settings = get_settings()
    cutoff = utcnow() - timedelta(hours=settings.generation_keep_hours)
    rows = await session.execute(
        select(Candidate, MediaAttachment)
        .join(Generation, Generation.id == Candidate.generation_id)
        .join(MediaAttachment, MediaAttachment.id == Candidate.media_id)
        .where(Generation.created_at < cutoff, MediaAttachment.post_id.is_(None),
               MediaAttachment.scheduled_id.is_(None))
        .limit(2000)
    )
    keys: list[str] = []
    gone: list[int] = []
    for candidate, item in rows:
        keys += [k for k in (candidate.recipe_key, candidate.plain_key, item.file_key,
                             item.thumb_key) if k]
        candidate.media_id = candidate.recipe_key = candidate.plain_key = None
        gone.append(item.id)
    if gone:
        await session.flush()
        await session.execute(delete(MediaAttachment).where(MediaAttachment.id.in_(gone)))
    media.schedule_delete(session, sorted(set(keys)))
    posted = select(Candidate.generation_id).where(Candidate.post_id.is_not(None))
    await session.execute(
        delete(Generation).where(Generation.created_at < cutoff, Generation.id.not_in(posted))
    )
    if not payload.get("once"):
        jobs.enqueue(session, EXPIRE_JOB, run_at=utcnow() + EXPIRE_EVERY)
