"""What can be done with media: upload, describe, attach to posts, delete. Services take a
session and never commit; the caller's transaction does."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import new_id
from salon.errors import Invalid, NotFound, TooLarge
from salon.jobs.service import enqueue
from salon.media import images
from salon.media.models import MediaAttachment
from salon.media.store import MediaStore, is_public, media_store, new_folder, public_key
from salon.posts import search
from salon.posts.models import Post
from salon.settings import Settings, get_settings

MAX_DESCRIPTION_CHARS = 1500
DELETE_FILES_JOB = "media.delete_files"
PUBLISH_JOB = "media.publish"
REKEY_JOB = "media.rekey"  # queued by migration 0012

T = TypeVar("T")

# Decoding a 40-megapixel image takes ~160 MB; a few at once is plenty for one process.
_decoders = threading.BoundedSemaphore(2)


def _limited(fn: Callable[[], T]) -> T:
    with _decoders:
        return fn()


async def _process(fn: Callable[[], T]) -> T:
    """Run Pillow work in a thread and turn its errors into the ones people see."""
    try:
        return await asyncio.to_thread(_limited, fn)
    except images.ImageError as exc:
        if exc.too_large:
            raise TooLarge(exc.message, field="file") from exc
        raise Invalid(exc.message, field="file") from exc


def _check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise Invalid(
            f"Descriptions may be at most {MAX_DESCRIPTION_CHARS} characters; "
            f"this one has {len(description)}. Shorten it.",
            field="description",
        )
    return description


def _check_focus(focus: tuple[float, float]) -> tuple[float, float]:
    x, y = focus
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
        raise Invalid("The focal point must have x and y between -1.0 and 1.0.", field="focus")
    return float(x), float(y)


def stable(*keys: str | None) -> bool:
    """Whether these files' addresses stay valid, so a rendering naming them may be kept
    (signed addresses expire)."""
    return not media_store(get_settings()).signs or all(is_public(k) for k in keys if k)


def url(store: MediaStore, key: str | None) -> str | None:
    """The address of a stored file, or None when there is no file."""
    return store.url(key) if key else None


async def upload(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    account_id: int,
    data: bytes,
    filename: str,
    description: str = "",
    focus: tuple[float, float] | None = None,
) -> MediaAttachment:
    """Validate and re-encode an image, store it with a thumbnail, and record it as ready to
    attach. `filename` is only used in messages: the stored name is ours."""
    _check_description(description)
    focus_x, focus_y = _check_focus(focus) if focus is not None else (0.0, 0.0)
    if len(data) == 0:
        raise Invalid(f"The file {filename or 'you sent'} is empty; choose an image.",
                      field="file")
    processed = await _process(
        lambda: images.inspect_and_normalize(
            data, max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels
        )
    )
    media_id = new_id()
    folder = new_folder(account_id)  # private until a public post shows it (publish)
    file_key = f"{folder}/original.{processed.extension}"
    thumb_key = f"{folder}/small.{processed.thumbnail.extension}"
    # Files first, row second: a failure may leave stray files, never a row without files.
    await store.put(file_key, processed.data, processed.content_type)
    await store.put(thumb_key, processed.thumbnail.data, processed.thumbnail.content_type)
    media = MediaAttachment(
        id=media_id,
        account_id=account_id,
        status="ready",  # processed inline; the column allows async processing later
        content_type=processed.content_type,
        file_key=file_key,
        thumb_key=thumb_key,
        width=processed.width,
        height=processed.height,
        size_bytes=len(processed.data),
        blurhash=processed.blurhash,
        description=description,
        focus_x=focus_x,
        focus_y=focus_y,
    )
    session.add(media)
    await session.flush()
    return media


async def get_own(session: AsyncSession, account_id: int, media_id: int) -> MediaAttachment:
    """The account's own media; others' media reads as missing so ids reveal nothing."""
    media = await session.get(MediaAttachment, media_id)
    if media is None or media.account_id != account_id:
        raise NotFound("No such media among your uploads; check the id or upload it again.")
    return media


IN_USE = "Media attachment is currently used by a status"  # Mastodon's words (422)


async def delete_unattached(session: AsyncSession, account_id: int, media_id: int,
                            extra_keys: Sequence[str] = ()) -> list[str]:
    """Delete the account's own upload that no post or scheduled post uses, and schedule its
    files (and `extra_keys`, other copies of it) for deletion after commit; returns the keys.
    Others' or unknown media: NotFound; one in use: Invalid, as Mastodon. The row goes only
    if it is still unattached, so a post taking it meanwhile keeps it."""
    found = await get_own(session, account_id, media_id)
    if found.post_id is not None or found.scheduled_id is not None:
        raise Invalid(IN_USE)
    gone = await session.execute(delete(MediaAttachment).where(
        MediaAttachment.id == found.id, MediaAttachment.post_id.is_(None),
        MediaAttachment.scheduled_id.is_(None)).execution_options(synchronize_session=False))
    if not getattr(gone, "rowcount", 1):
        raise Invalid(IN_USE)
    keys = sorted({k for k in (found.file_key, found.thumb_key, *extra_keys) if k})
    session.expunge(found)
    schedule_delete(session, keys)
    return keys


async def update_description(
    session: AsyncSession,
    account_id: int,
    media_id: int,
    description: str,
    focus: tuple[float, float] | None = None,
) -> MediaAttachment:
    """Change alt text (and the focal point, when given) of the account's own media."""
    _check_description(description)
    new_focus = _check_focus(focus) if focus is not None else None
    media = await get_own(session, account_id, media_id)
    media.description = description
    if new_focus is not None:
        media.focus_x, media.focus_y = new_focus
    await session.flush()
    if media.post_id is not None:
        post = await session.get(Post, media.post_id)
        if post is not None:
            await search.reindex(session, post)  # a post is found by its alt texts
    return media


async def attach(
    session: AsyncSession,
    account_id: int,
    media_ids: list[int],
    post_id: int,
    limit: int = 4,
    scheduled_id: int | None = None,
) -> list[MediaAttachment]:
    """Attach the account's ready, unattached media to a post, in the order given.
    Media already on this same post may be given again (editing a post); media reserved
    for a scheduled post only by that scheduled post (`scheduled_id`) when it is published."""
    ordered = await _usable(session, account_id, media_ids, limit, post_id, scheduled_id)
    for position, media in enumerate(ordered):
        media.post_id = post_id
        media.position = position
        media.scheduled_id = None
    await session.flush()
    return ordered


async def reserve(
    session: AsyncSession, account_id: int, media_ids: list[int], scheduled_id: int,
    limit: int = 4,
) -> list[MediaAttachment]:
    """Keep the account's ready, unattached media for a scheduled post, in the order given:
    no other post may take them until it is published or cancelled."""
    ordered = await _usable(session, account_id, media_ids, limit, None, scheduled_id)
    for position, media in enumerate(ordered):
        media.scheduled_id = scheduled_id
        media.position = position
    await session.flush()
    return ordered


async def _usable(
    session: AsyncSession, account_id: int, media_ids: list[int], limit: int,
    post_id: int | None, scheduled_id: int | None,
) -> list[MediaAttachment]:
    if len(media_ids) > limit:
        raise Invalid(
            f"A post may have at most {limit} images; remove {len(media_ids) - limit}.",
            field="media_ids",
        )
    if len(set(media_ids)) != len(media_ids):
        raise Invalid("The same image is attached twice; attach each image once.",
                      field="media_ids")
    if not media_ids:
        return []
    rows = await session.scalars(select(MediaAttachment).where(MediaAttachment.id.in_(media_ids)))
    found = {m.id: m for m in rows}
    ordered: list[MediaAttachment] = []
    for media_id in media_ids:
        media = found.get(media_id)
        if media is None or media.account_id != account_id:
            raise Invalid(f"Image {media_id} is not one of your uploads; upload it first.",
                          field="media_ids")
        if media.status != "ready":
            what = ("could not be processed; upload it again" if media.status == "failed"
                    else "is still being processed; try again in a moment")
            raise Invalid(f"Image {media_id} {what}.", field="media_ids")
        if media.post_id is not None and media.post_id != post_id:
            raise Invalid(
                f"Image {media_id} is already attached to another post; upload it again "
                "to use it here.",
                field="media_ids",
            )
        if media.scheduled_id is not None and media.scheduled_id != scheduled_id:
            raise Invalid(f"Image {media_id} is attached to a scheduled post; upload it again "
                          "to use it here.", field="media_ids")
        ordered.append(media)
    return ordered


async def for_scheduled(
    session: AsyncSession, scheduled_ids: list[int]
) -> dict[int, list[MediaAttachment]]:
    """The media reserved for each of these scheduled posts, in order."""
    result: dict[int, list[MediaAttachment]] = {i: [] for i in scheduled_ids}
    if not scheduled_ids:
        return result
    for media in await session.scalars(
        select(MediaAttachment).where(MediaAttachment.scheduled_id.in_(scheduled_ids))
        .order_by(MediaAttachment.scheduled_id, MediaAttachment.position)
    ):
        assert media.scheduled_id is not None
        result[media.scheduled_id].append(media)
    return result


def schedule_publish(session: AsyncSession, post_id: int) -> None:
    """The post's media became public: where the store signs private addresses, move the
    files under public/ (after commit, in a job) so they get stable addresses."""
    if media_store(get_settings()).signs:
        enqueue(session, PUBLISH_JOB, {"post_id": post_id})


async def publish(session: AsyncSession, store: MediaStore, post_id: int) -> dict[str, str]:
    """Copy the post's files under public/ and point its media rows there. Returns old key
    -> new key (for rows of other domains that name the same files). Until it has run the
    files are served signed, which also works."""
    rows = list(await session.scalars(
        select(MediaAttachment).where(MediaAttachment.post_id == post_id)))
    return await move(session, store, rows,
                      lambda _item, key: None if is_public(key) else public_key(key))


async def move(session: AsyncSession, store: MediaStore, items: Sequence[MediaAttachment],
               new_key: Callable[[MediaAttachment, str], str | None]) -> dict[str, str]:
    """Copy the items' files to the keys `new_key` gives (None: the file stays) and point
    the rows there; the old files are deleted after commit. Returns old key -> new key."""
    wanted: dict[str, str] = {}
    for item in items:
        for key in (item.file_key, item.thumb_key):
            if key and key not in wanted and (new := new_key(item, key)) is not None:
                wanted[key] = new
    moved = await move_files(session, store, wanted)
    for item in items:
        item.file_key = moved.get(item.file_key, item.file_key)
        item.thumb_key = moved.get(item.thumb_key or "", item.thumb_key)
    await session.flush()
    return moved


async def move_files(session: AsyncSession, store: MediaStore,
                     wanted: dict[str, str]) -> dict[str, str]:
    """Copy files to new keys and delete the old ones after commit; returns those moved.
    A file that is missing stays out (a row naming it shows nothing either way), so a
    lost file cannot stop a job forever. Run again, it copies again: safe."""
    moved: dict[str, str] = {}
    for key, new in wanted.items():
        try:
            await store.copy(key, new)
        except FileNotFoundError:
            continue
        moved[key] = new
    schedule_delete(session, list(moved))
    return moved


async def get_many_own(
    session: AsyncSession, account_id: int, media_ids: list[int]
) -> list[MediaAttachment]:
    """The account's own media among these ids, in the given order; others are left out."""
    if not media_ids:
        return []
    rows = await session.scalars(select(MediaAttachment).where(
        MediaAttachment.id.in_(media_ids), MediaAttachment.account_id == account_id))
    found = {m.id: m for m in rows}
    return [found[i] for i in media_ids if i in found]


async def for_posts(session: AsyncSession, post_ids: list[int]) -> dict[int, list[MediaAttachment]]:
    """Each post's media in display order; every given post id is a key (maybe with [])."""
    result: dict[int, list[MediaAttachment]] = {post_id: [] for post_id in post_ids}
    if not post_ids:
        return result
    rows = await session.scalars(
        select(MediaAttachment)
        .where(MediaAttachment.post_id.in_(post_ids))
        .order_by(MediaAttachment.post_id, MediaAttachment.position)
    )
    for media in rows:
        assert media.post_id is not None
        result[media.post_id].append(media)
    return result


def schedule_delete(session: AsyncSession, keys: list[str]) -> None:
    """Delete stored files once the caller's transaction commits (a job, so a rollback
    keeps the files its rows still point at)."""
    if keys:
        enqueue(session, DELETE_FILES_JOB, {"keys": keys})


async def delete_for_post(session: AsyncSession, post_id: int) -> list[str]:
    """Delete a post's media rows and schedule their files for deletion. Call it before
    deleting the post: the post's cascade would drop the rows and orphan the files."""
    rows = list(
        await session.scalars(select(MediaAttachment).where(MediaAttachment.post_id == post_id))
    )
    keys = [key for m in rows for key in (m.file_key, m.thumb_key) if key]
    if rows:
        await session.execute(
            delete(MediaAttachment).where(MediaAttachment.id.in_([m.id for m in rows]))
        )
        schedule_delete(session, keys)
    return keys


async def store_avatar(settings: Settings, store: MediaStore, account_id: int,
                       data: bytes) -> str:
    """Crop, re-encode and store a 400x400 avatar; returns its new store key. Replacing an
    old avatar is the caller's: pass the old key to schedule_delete."""
    image = await _process(
        lambda: images.square_avatar(
            data, max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels
        )
    )
    key = f"{new_folder(account_id, public=True)}/avatar.{image.extension}"
    await store.put(key, image.data, image.content_type)
    return key


async def store_header(settings: Settings, store: MediaStore, account_id: int,
                       data: bytes) -> str:
    """Crop, re-encode and store a 1500x500 profile header; returns its new store key."""
    image = await _process(
        lambda: images.header_image(
            data, max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels
        )
    )
    key = f"{new_folder(account_id, public=True)}/header.{image.extension}"
    await store.put(key, image.data, image.content_type)
    return key
