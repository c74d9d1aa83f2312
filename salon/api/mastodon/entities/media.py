"""MediaAttachment and Poll."""

from __future__ import annotations

from salon.api.mastodon.entities.accounts import CustomEmojiEntity
from salon.api.mastodon.entities.common import Entity, media_url, timestamp
from salon.media.images import THUMBNAIL_SIDE
from salon.media.models import MediaAttachment
from salon.posts.schemas import PollView

# --- media and polls ------------------------------------------------------------------------


class MetaSizeEntity(Entity):
    width: int
    height: int
    size: str
    aspect: float


class FocusEntity(Entity):
    x: float
    y: float


class MediaMetaEntity(Entity):
    original: MetaSizeEntity
    small: MetaSizeEntity
    focus: FocusEntity


class MediaAttachmentEntity(Entity):
    id: str
    type: str
    url: str | None
    preview_url: str | None
    remote_url: str | None
    meta: MediaMetaEntity
    description: str | None
    blurhash: str | None


def _size(width: int, height: int) -> MetaSizeEntity:
    return MetaSizeEntity(
        width=width, height=height, size=f"{width}x{height}", aspect=width / max(height, 1)
    )


def media(attachment: MediaAttachment, base: str) -> MediaAttachmentEntity:
    width, height = attachment.width, attachment.height
    scale = THUMBNAIL_SIDE / max(width, height, 1)
    if scale < 1:  # the thumbnail's size, as media.images makes it
        small = _size(max(1, round(width * scale)), max(1, round(height * scale)))
    else:
        small = _size(width, height)
    ready = attachment.status == "ready"
    url = media_url(base, attachment.file_key) if ready else None
    return MediaAttachmentEntity(
        id=str(attachment.id),
        type="image" if attachment.content_type.startswith("image/") else "unknown",
        url=url,
        preview_url=media_url(base, attachment.thumb_key) if attachment.thumb_key else url,
        remote_url=None,
        meta=MediaMetaEntity(
            original=_size(width, height),
            small=small,
            focus=FocusEntity(x=attachment.focus_x, y=attachment.focus_y),
        ),
        description=attachment.description or None,
        blurhash=attachment.blurhash,
    )


class PollOptionEntity(Entity):
    title: str
    votes_count: int | None


class PollEntity(Entity):
    omit_when_none = frozenset({"voted", "own_votes"})

    id: str
    expires_at: str | None
    expired: bool
    multiple: bool
    votes_count: int
    voters_count: int | None
    options: list[PollOptionEntity]
    emojis: list[CustomEmojiEntity] = []
    voted: bool | None = None
    own_votes: list[int] | None = None


def poll(view: PollView, viewer_id: int | None, author_id: int | None = None) -> PollEntity:
    """`voted` and `own_votes` only for a signed-in viewer; as on Mastodon, the author of a
    poll counts as having voted in it."""
    signed_in = viewer_id is not None
    return PollEntity(
        id=str(view.id),
        expires_at=timestamp(view.expires_at),
        expired=view.expired,
        multiple=view.multiple,
        votes_count=view.votes_total,
        voters_count=view.voters_count if view.multiple else None,
        options=[PollOptionEntity(title=o.title, votes_count=o.votes_count) for o in view.options],
        voted=(bool(view.own_votes) or viewer_id == author_id) if signed_in else None,
        own_votes=list(view.own_votes) if signed_in else None,
    )
