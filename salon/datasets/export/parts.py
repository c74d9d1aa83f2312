"""The three parts of an export, each read in id order a batch at a time (a cursor, no
OFFSET): `images` (posted pictures with their recipes), `preferences` (the candidates a
person posted against those of the same generation they did not) and `posts` (public
text). Every query keeps only what a person consents to now, on public posts that still
exist, of accounts in good standing; nothing names a person: authors are pseudonyms salted
per export, mentions become "@user", and pictures lose their metadata."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from salon.accounts.models import Account
from salon.datasets import service as datasets
from salon.datasets.export import files
from salon.datasets.export.files import integer, number, picture, text
from salon.datasets.schemas import CHOICES, GENERATED, POSTS, UPLOADS
from salon.db.among import among
from salon.generation import provenance
from salon.generation.models import Candidate, Generation
from salon.media.models import MediaAttachment
from salon.media.store import MediaStore
from salon.posts.models import Like, Post, Visibility
from salon.posts.text import MENTION_RE

log = logging.getLogger("salon.datasets")


@dataclass
class Window:
    """What one export covers: items up to `until` (from `since`), authors salted."""

    until: datetime
    since: datetime | None
    salt: str

    def pseudonym(self, account_id: int) -> str:
        return hashlib.sha256(f"{self.salt}:{account_id}".encode()).hexdigest()[:16]


@dataclass
class Batch:
    rows: list[dict[str, Any]]
    last_id: int | None  # the cursor to go on from; None: the part is done
    included: Counter[tuple[int, str]] = field(default_factory=Counter)  # (account, kind)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> items


def _good_standing(account: Any = Account) -> Any:
    return and_(account.suspended_at.is_(None), account.disabled_at.is_(None),
                account.approved.is_(True), account.is_assistant.is_(False))


def _exported_post(window: Window, post: Any = Post) -> Any:
    """A public original post of the window whose recipe (if any) is shown."""
    conditions = [post.visibility == Visibility.public, post.reblog_of_id.is_(None),
                  post.created_at <= window.until]
    if window.since is not None:
        conditions.append(post.created_at > window.since)
    return and_(*conditions)


def _consents(kind: str, account: Any) -> Any:
    return account.in_(datasets.consenting(kind))


async def _count(session: AsyncSession, column: Any, ids: list[int], *where: Any
                 ) -> dict[int, int]:
    """Rows per value of `column` among `ids` that meet `where`."""
    if not ids:
        return {}
    rows = await session.execute(select(column, func.count()).where(among(column, ids), *where)
                                 .group_by(column))
    return {key: count for key, count in rows.all()}


async def _likes(session: AsyncSession, post_ids: list[int]) -> dict[int, int]:
    """Likes of those who consent to their choices being used: others' are not counted."""
    return await _count(session, Like.post_id, post_ids, _consents(CHOICES, Like.account_id))


READS_AT_ONCE = 8


async def _pictures(store: MediaStore, keys: list[str], skipped: Counter[str]
                    ) -> dict[str, bytes]:
    """The pictures under `keys` without their metadata (recipe, C2PA, Exif), read a few
    at a time and cleaned off the event loop; a key that cannot be is left out, counted."""
    gate = asyncio.Semaphore(READS_AT_ONCE)

    async def read(key: str) -> bytes | None:
        async with gate:
            try:
                return await store.get(key)
            except FileNotFoundError:
                skipped["picture file missing"] += 1
                return None

    unique = list(dict.fromkeys(keys))
    found = await asyncio.gather(*(read(k) for k in unique))

    def clean() -> dict[str, bytes]:
        cleaned = {}
        for key, data in zip(unique, found, strict=True):
            if data is None:
                continue
            try:
                cleaned[key] = provenance.strip_recipe(data)
            except ValueError:
                skipped["not a PNG, JPEG or WebP picture (an animated GIF, say)"] += 1
        return cleaned

    return await asyncio.to_thread(clean)


# --- images -----------------------------------------------------------------------------------

IMAGES: files.Columns = [
    ("image", picture()), ("image_id", text()), ("source", text()), ("prompt", text()),
    ("negative_prompt", text()), ("engine", text()), ("model", text()), ("seed", integer()),
    ("steps", integer()), ("guidance", number()), ("width", integer()), ("height", integer()),
    ("style", text()), ("remix_of", text()), ("alt_text", text()), ("like_count", integer()),
    ("posted_at", text()), ("author", text()),
]


def _images_query(window: Window, after: int, limit: int | None) -> Any:
    return (
        select(MediaAttachment.id, MediaAttachment.file_key, MediaAttachment.description,
               MediaAttachment.width, MediaAttachment.height, Post.id.label("post_id"),
               Post.account_id, Post.created_at, Post.remix_of_id, Candidate.seed,
               Generation.prompt, Generation.negative_prompt, Generation.engine,
               Generation.model, Generation.steps, Generation.guidance, Generation.style)
        .join(Post, Post.id == MediaAttachment.post_id)
        .join(Account, Account.id == Post.account_id)
        .outerjoin(Candidate, Candidate.media_id == MediaAttachment.id)
        .outerjoin(Generation, Generation.id == Candidate.generation_id)
        .where(MediaAttachment.id > after, MediaAttachment.status == "ready",
               _exported_post(window), Post.recipe_hidden.is_(False), _good_standing(),
               or_(and_(Candidate.id.is_not(None), _consents(GENERATED, Post.account_id)),
                   and_(Candidate.id.is_(None), _consents(UPLOADS, Post.account_id))))
        .order_by(MediaAttachment.id).limit(limit))


async def _total(session: AsyncSession, query: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def images_total(session: AsyncSession, window: Window) -> int:
    return await _total(session, _images_query(window, 0, None))


async def _remix_sources(session: AsyncSession, window: Window, ids: list[int]
                         ) -> set[int]:
    """Of these posts, those a remix may name: exported themselves (a remix of a picture
    whose author did not consent names no source)."""
    if not ids:
        return set()
    found = await session.scalars(
        select(Post.id).join(Account, Account.id == Post.account_id)
        .where(among(Post.id, ids), _exported_post(window), Post.recipe_hidden.is_(False),
               _good_standing(), _consents(GENERATED, Post.account_id)))
    return set(found)


async def images(session: AsyncSession, store: MediaStore, window: Window, after: int,
                 limit: int) -> Batch:
    rows = (await session.execute(_images_query(window, after, limit))).all()
    likes = await _likes(session, [r.post_id for r in rows])
    sources = await _remix_sources(session, window,
                                   [r.remix_of_id for r in rows if r.remix_of_id])
    batch = Batch([], rows[-1].id if len(rows) == limit else None)
    pictures = await _pictures(store, [r.file_key for r in rows], batch.skipped)
    for r in rows:
        data = pictures.get(r.file_key)
        if data is None:
            continue
        generated = r.prompt is not None
        batch.included[(r.account_id, GENERATED if generated else UPLOADS)] += 1
        batch.rows.append({
            "image": files.image_value(data, f"{r.id}"), "image_id": str(r.id),
            "source": "generated" if generated else "uploaded", "prompt": unnamed(r.prompt),
            "negative_prompt": unnamed(r.negative_prompt), "engine": r.engine,
            "model": r.model,
            "seed": r.seed, "steps": r.steps, "guidance": r.guidance, "width": r.width,
            "height": r.height, "style": r.style,
            "remix_of": str(r.remix_of_id) if r.remix_of_id in sources else None,
            "alt_text": unnamed(r.description), "like_count": likes.get(r.post_id, 0),
            "posted_at": r.created_at.isoformat(), "author": window.pseudonym(r.account_id),
        })
    return batch


# --- preferences ------------------------------------------------------------------------------

PREFERENCES: files.Columns = [
    ("prompt", text()), ("chosen", picture()), ("rejected", picture()),  # TRL's shape
    ("caption", text()), ("jpg_0", picture()), ("jpg_1", picture()),  # Pick-a-Pic's
    ("label_0", number()), ("label_1", number()), ("model_0", text()), ("model_1", text()),
    ("image_0_uid", text()), ("image_1_uid", text()), ("best_image_uid", text()),
    ("user_id", text()), ("created_at", text()),
]


def _generations_query(window: Window, after: int, limit: int | None) -> Any:
    posted = aliased(Post)
    return (
        select(Generation.id, Generation.account_id, Generation.prompt, Generation.model,
               Generation.created_at)
        .join(Account, Account.id == Generation.account_id)
        .where(Generation.id > after, Generation.on_behalf_of_id.is_(None), _good_standing(),
               _consents(CHOICES, Generation.account_id),
               _consents(GENERATED, Generation.account_id),
               select(Candidate.id).join(posted, posted.id == Candidate.post_id)
               .where(Candidate.generation_id == Generation.id, _exported_post(window, posted),
                      posted.recipe_hidden.is_(False)).exists())
        .order_by(Generation.id).limit(limit))


async def preferences_total(session: AsyncSession, window: Window) -> int:
    """Generations to read (a progress bar's length: each gives one pair or more)."""
    return await _total(session, _generations_query(window, 0, None))


async def preferences(session: AsyncSession, store: MediaStore, window: Window, after: int,
                      limit: int) -> Batch:
    """Generations (in id order) whose author posted some candidates on a public post and
    not others: each posted one against each one left, both still stored."""
    posted = aliased(Post)
    generations = (await session.execute(_generations_query(window, after, limit))).all()
    batch = Batch([], generations[-1].id if len(generations) == limit else None)
    if not generations:
        return batch
    candidates = (await session.execute(
        select(MediaAttachment.id, Candidate.generation_id, Candidate.post_id,
               MediaAttachment.file_key)
        .join(MediaAttachment, MediaAttachment.id == Candidate.media_id)
        .outerjoin(posted, posted.id == Candidate.post_id)
        .where(among(Candidate.generation_id, [g.id for g in generations]),
               # Not posted, nor kept for a scheduled post: one the person passed over.
               or_(and_(Candidate.post_id.is_(None), MediaAttachment.scheduled_id.is_(None)),
                   and_(_exported_post(window, posted), posted.recipe_hidden.is_(False))))
        .order_by(Candidate.generation_id, Candidate.position))).all()
    pictures = await _pictures(store, [c.file_key for c in candidates], batch.skipped)
    of: dict[int, list[Any]] = {}
    for c in candidates:
        of.setdefault(c.generation_id, []).append(c)
    for g in generations:
        mine = of.get(g.id, [])
        chosen = [c for c in mine if c.post_id is not None]
        rejected = [c for c in mine if c.post_id is None]
        for won in chosen:
            for lost in rejected:
                won_data = pictures.get(won.file_key)
                lost_data = pictures.get(lost.file_key)
                if won_data is None or lost_data is None:
                    continue
                batch.rows.append(_pair(window, g, won.id, won_data, lost.id, lost_data))
                batch.included[(g.account_id, CHOICES)] += 1
    return batch


def _pair(window: Window, g: Any, won_id: int, won: bytes, lost_id: int, lost: bytes
          ) -> dict[str, Any]:
    # Which side the chosen one is on, drawn per pair (reproducibly): always first would
    # teach a model the position.
    first = random.Random(f"{window.salt}:{won_id}:{lost_id}").random() < 0.5
    images = [(won_id, won, 1.0), (lost_id, lost, 0.0)]
    (id_0, data_0, label_0), (id_1, data_1, label_1) = images if first else images[::-1]
    return {
        "prompt": unnamed(g.prompt), "chosen": files.image_value(won, str(won_id)),
        "rejected": files.image_value(lost, str(lost_id)), "caption": unnamed(g.prompt),
        "jpg_0": files.image_value(data_0, str(id_0)),
        "jpg_1": files.image_value(data_1, str(id_1)), "label_0": label_0,
        "label_1": label_1, "model_0": g.model, "model_1": g.model,
        "image_0_uid": str(id_0), "image_1_uid": str(id_1), "best_image_uid": str(won_id),
        "user_id": window.pseudonym(g.account_id), "created_at": g.created_at.isoformat(),
    }


# --- posts ------------------------------------------------------------------------------------

POSTS_COLUMNS: files.Columns = [
    ("id", text()), ("text", text()), ("language", text()), ("in_reply_to_id", text()),
    ("reply_count", integer()), ("repost_count", integer()), ("like_count", integer()),
    ("created_at", text()), ("author", text()),
]


_PROFILE_PATH = re.compile(r"/@[A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]+)?")


def unnamed(text_in: str | None) -> str | None:
    """The text with every handle made anonymous, as a mention or in a profile's address:
    a handle names a person."""
    if not text_in:
        return text_in
    return MENTION_RE.sub("@user", _PROFILE_PATH.sub("/@user", text_in))


def _posts_query(window: Window, after: int, limit: int | None) -> Any:
    parent = aliased(Post)
    parent_author = aliased(Account)
    exported_parent = (
        select(parent.id).join(parent_author, parent_author.id == parent.account_id)
        .where(parent.id == Post.in_reply_to_id, _exported_post(window, parent),
               _consents(POSTS, parent.account_id), _good_standing(parent_author)).exists())
    return (
        select(Post.id, Post.text, Post.language, Post.in_reply_to_id, Post.account_id,
               Post.created_at, exported_parent.label("parent_exported"))
        .join(Account, Account.id == Post.account_id)
        .where(Post.id > after, _exported_post(window), Post.text != "", _good_standing(),
               _consents(POSTS, Post.account_id))
        .order_by(Post.id).limit(limit))


async def posts_total(session: AsyncSession, window: Window) -> int:
    return await _total(session, _posts_query(window, 0, None))


async def posts(session: AsyncSession, store: MediaStore, window: Window, after: int,
                limit: int) -> Batch:
    rows = (await session.execute(_posts_query(window, after, limit))).all()
    ids = [r.id for r in rows]
    likes = await _likes(session, ids)
    # Counted, like likes, only of those who consent: a reply as a post, a repost as a choice.
    replies = await _count(session, Post.in_reply_to_id, ids, _exported_post(window),
                           _consents(POSTS, Post.account_id))
    reposts = await _count(session, Post.reblog_of_id, ids, _consents(CHOICES, Post.account_id))
    batch = Batch([], rows[-1].id if len(rows) == limit else None)
    for r in rows:
        batch.included[(r.account_id, POSTS)] += 1
        batch.rows.append({
            "id": str(r.id), "text": unnamed(r.text), "language": r.language,
            "in_reply_to_id": str(r.in_reply_to_id) if r.parent_exported else None,
            "reply_count": replies.get(r.id, 0), "repost_count": reposts.get(r.id, 0),
            "like_count": likes.get(r.id, 0), "created_at": r.created_at.isoformat(),
            "author": window.pseudonym(r.account_id),
        })
    return batch


# --- checked again before an export finishes ----------------------------------------------

async def _among(session: AsyncSession, query: Any, column: str, ids: list[int]) -> set[int]:
    """Which of `ids` the query (a part's rules as they stand now) still gives."""
    found: set[int] = set()
    sub = query.subquery()
    for start in range(0, len(ids), 5000):
        found |= set(await session.scalars(
            select(sub.c[column]).where(among(sub.c[column], ids[start:start + 5000]))))
    return found


async def still_images(session: AsyncSession, window: Window, ids: list[int]) -> set[int]:
    return await _among(session, _images_query(window, 0, None), "id", ids)


async def still_posts(session: AsyncSession, window: Window, ids: list[int]) -> set[int]:
    return await _among(session, _posts_query(window, 0, None), "id", ids)


async def still_remix_sources(session: AsyncSession, window: Window, ids: list[int]
                              ) -> set[int]:
    return await _remix_sources(session, window, ids)


async def still_pair_pictures(session: AsyncSession, window: Window, ids: list[int]
                              ) -> set[int]:
    """Of these pictures, the candidates a pair may still show: of a generation that
    qualifies now, and posted on a public post (the chosen) or never posted (the others)."""
    posted = aliased(Post)
    generations = _generations_query(window, 0, None).subquery()
    query = (select(MediaAttachment.id.label("id"))
             .join(Candidate, Candidate.media_id == MediaAttachment.id)
             .outerjoin(posted, posted.id == Candidate.post_id)
             .where(Candidate.generation_id.in_(select(generations.c.id)),
                    or_(and_(Candidate.post_id.is_(None),
                             MediaAttachment.scheduled_id.is_(None)),
                        and_(_exported_post(window, posted),
                             posted.recipe_hidden.is_(False)))))
    return await _among(session, query, "id", ids)
