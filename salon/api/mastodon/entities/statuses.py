"""Status and what it carries (Mention, Tag, Quote, Application), StatusEdit, Tag and
Notification."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from salon.accounts.models import Account
from salon.api.mastodon.entities.accounts import AccountEntity, CustomEmojiEntity, account
from salon.api.mastodon.entities.common import (
    Entity,
    absolute_links,
    account_url,
    maybe_timestamp,
    status_uri,
    status_url,
    tag_names,
    timestamp,
)
from salon.api.mastodon.entities.media import MediaAttachmentEntity, PollEntity, media, poll
from salon.api.mastodon.entities.salon import SalonStatusEntity, salon_status
from salon.media.models import MediaAttachment
from salon.notifications import groups
from salon.notifications.service import NotificationView
from salon.posts.models import PostEdit
from salon.posts.schemas import PollView, PostView

# Mastodon folds replies into mentions (a reply mentions whom it answers).
NOTIFICATION_TYPES = {"reply": "mention"}
STATUS_NOTIFICATIONS = {"mention", "status", "reblog", "favourite", "poll", "update", "quote",
                        "salon.remix"}
PINNABLE = {"public", "unlisted", "private"}


# --- statuses -------------------------------------------------------------------------------


class MentionEntity(Entity):
    id: str
    username: str
    url: str
    acct: str


class StatusTagEntity(Entity):
    name: str
    url: str


class ApplicationEntity(Entity):
    name: str
    website: str | None = None


class ShallowQuoteEntity(Entity):
    """A quote inside a quoted status: only its state and the quoted id."""

    state: str
    quoted_status_id: str | None


class QuoteEntity(Entity):
    state: str
    quoted_status: StatusEntity | None


class StatusEntity(Entity):
    omit_when_none = frozenset(
        {"favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered", "content", "text",
         "salon"}
    )

    id: str
    created_at: str
    in_reply_to_id: str | None
    in_reply_to_account_id: str | None
    sensitive: bool
    spoiler_text: str
    visibility: str
    language: str | None = None
    uri: str
    url: str | None
    replies_count: int
    reblogs_count: int
    favourites_count: int
    edited_at: str | None
    favourited: bool | None = None
    reblogged: bool | None = None
    muted: bool | None = None
    bookmarked: bool | None = None
    pinned: bool | None = None
    filtered: list[dict[str, object]] | None = None
    content: str | None = None  # the HTML; `text` (the source) replaces it on deletion
    text: str | None = None
    reblog: StatusEntity | None
    application: ApplicationEntity | None
    account: AccountEntity
    media_attachments: list[MediaAttachmentEntity]
    mentions: list[MentionEntity]
    tags: list[StatusTagEntity]
    emojis: list[CustomEmojiEntity] = []
    card: None = None
    poll: PollEntity | None
    quote: QuoteEntity | ShallowQuoteEntity | None
    salon: SalonStatusEntity | None = None  # Salon's extension; absent on reposts


def mention(acc: Account, base: str) -> MentionEntity:
    return MentionEntity(
        id=str(acc.id), username=acc.username, url=account_url(base, acc), acct=acc.username
    )


def status_tag(name: str, base: str) -> StatusTagEntity:
    name = name.lower()
    return StatusTagEntity(name=name, url=f"{base.rstrip('/')}/tags/{name}")


def status(
    view: PostView,
    base: str,
    viewer_id: int | None = None,
    *,
    mentions: Mapping[int, Sequence[Account]] | None = None,
    tags: Mapping[int, Sequence[str]] | None = None,
    source: bool = False,
) -> StatusEntity:
    """A post as Mastodon's Status. `viewer_id` None is an anonymous reader: the viewer's
    flags are then left out. `mentions` maps post ids to the accounts they mention (PostView
    does not carry them); `tags` likewise, else hashtags are read from the post's HTML.
    `source` answers with `text` instead of `content`, as Mastodon does for a deletion."""
    return _status(view, base, viewer_id, mentions or {}, tags, source, shallow=False)


def _status(
    view: PostView,
    base: str,
    viewer_id: int | None,
    mentions: Mapping[int, Sequence[Account]],
    tags: Mapping[int, Sequence[str]] | None,
    source: bool,
    *,
    shallow: bool,
) -> StatusEntity:
    post, author = view.post, view.author
    signed_in = viewer_id is not None
    original = (
        _status(view.reblog, base, viewer_id, mentions, tags, source, shallow=False)
        if view.reblog is not None
        else None
    )
    flags: dict[str, object] = {}
    if signed_in:
        flags = {
            "favourited": view.liked,
            "reblogged": view.reposted,
            "muted": view.muted,
            "bookmarked": view.bookmarked,
            "filtered": [],
        }
        if viewer_id == post.account_id and original is None and post.visibility in PINNABLE:
            flags["pinned"] = view.pinned
    if original is not None:
        # A repost: its own id, author and time, with the original inside and nothing else.
        address = status_uri(base, author.username, post.id) + "/activity"
        return StatusEntity(
            id=str(post.id),
            created_at=timestamp(post.created_at),
            in_reply_to_id=None,
            in_reply_to_account_id=None,
            sensitive=False,
            spoiler_text="",
            visibility=post.visibility,
            uri=address,
            url=address,
            replies_count=0,
            reblogs_count=0,
            favourites_count=0,
            edited_at=None,
            **flags,
            content=None if source else "",
            text=post.text if source else None,
            reblog=original,
            application=None,
            account=account(author, base),
            media_attachments=[],
            mentions=[],
            tags=[],
            poll=None,
            quote=None,
        )
    names = tags.get(post.id) if tags is not None and post.id in tags else None
    return StatusEntity(
        id=str(post.id),
        created_at=timestamp(post.created_at),
        in_reply_to_id=str(post.in_reply_to_id) if post.in_reply_to_id else None,
        in_reply_to_account_id=(
            str(post.in_reply_to_account_id) if post.in_reply_to_account_id else None
        ),
        sensitive=bool(post.spoiler_text),
        spoiler_text=post.spoiler_text,
        visibility=post.visibility,
        language=post.language,
        uri=status_uri(base, author.username, post.id),
        url=status_url(base, author.username, post.id),
        replies_count=post.replies_count,
        reblogs_count=post.reposts_count,
        favourites_count=post.likes_count,
        edited_at=maybe_timestamp(post.edited_at),
        **flags,
        content=None if source else absolute_links(post.content_html, base),
        text=post.text if source else None,
        reblog=None,
        # Shown to everyone, as Mastodon does by default; None: posted on the web UI.
        application=(ApplicationEntity(name=view.application[0], website=view.application[1])
                     if view.application else None),
        account=account(author, base),
        media_attachments=[media(m, base) for m in view.media],
        mentions=[mention(a, base) for a in mentions.get(post.id, ())],
        tags=[
            status_tag(n, base)
            for n in (names if names is not None else tag_names(post.content_html))
        ],
        poll=poll(view.poll, viewer_id, post.account_id) if view.poll else None,
        quote=_quote(view, base, viewer_id, mentions, tags, shallow=shallow),
        salon=salon_status(view),
    )


def _quote(
    view: PostView,
    base: str,
    viewer_id: int | None,
    mentions: Mapping[int, Sequence[Account]],
    tags: Mapping[int, Sequence[str]] | None,
    *,
    shallow: bool,
) -> QuoteEntity | ShallowQuoteEntity | None:
    """Mastodon 4.4's `quote`: a Quote with the quoted status, or inside a quoted status a
    ShallowQuote with its id only. A quoted post the viewer may not see (or that was not
    loaded) reads as "unauthorized", with no status and no id, so its existence stays hidden."""
    if view.post.quote_of_id is None:
        return None
    quoted = view.quote
    if shallow:
        return ShallowQuoteEntity(
            state="accepted" if quoted else "unauthorized",
            quoted_status_id=str(quoted.id) if quoted else None,
        )
    if quoted is None:
        return QuoteEntity(state="unauthorized", quoted_status=None)
    inner = _status(quoted, base, viewer_id, mentions, tags, False, shallow=True)
    return QuoteEntity(state="accepted", quoted_status=inner)


# --- edits, tags, notifications -------------------------------------------------------------


class StatusEditPollOptionEntity(Entity):
    title: str


class StatusEditPollEntity(Entity):
    options: list[StatusEditPollOptionEntity]


class StatusEditEntity(Entity):
    omit_when_none = frozenset({"poll"})

    content: str
    spoiler_text: str
    sensitive: bool
    created_at: str
    account: AccountEntity
    poll: StatusEditPollEntity | None = None
    media_attachments: list[MediaAttachmentEntity]
    emojis: list[CustomEmojiEntity] = []


def status_edit(
    edit: PostEdit,
    author: Account,
    base: str,
    attachments: Sequence[MediaAttachment] = (),
    poll_view: PollView | None = None,
) -> StatusEditEntity:
    """One version for /statuses/:id/history. Salon keeps text per version, not media or
    poll, so the post's current media and poll options are given with every version."""
    return StatusEditEntity(
        content=absolute_links(edit.content_html, base),
        spoiler_text=edit.spoiler_text,
        sensitive=bool(edit.spoiler_text),
        created_at=timestamp(edit.created_at),
        account=account(author, base),
        poll=StatusEditPollEntity(
            options=[StatusEditPollOptionEntity(title=o.title) for o in poll_view.options]
        )
        if poll_view
        else None,
        media_attachments=[media(m, base) for m in attachments],
    )


class TagHistoryEntity(Entity):
    day: str  # UNIX time of the day's midnight, as a string
    uses: str
    accounts: str


class TagEntity(Entity):
    omit_when_none = frozenset({"following"})

    name: str
    url: str
    history: list[TagHistoryEntity] = []
    following: bool | None = None


def tag(
    name: str,
    base: str,
    history: Sequence[tuple[datetime, int, int]] = (),
    following: bool | None = None,
) -> TagEntity:
    """A hashtag; `history` is (day, uses, accounts), newest day first; `following` only for
    a signed-in viewer."""
    short = status_tag(name, base)
    return TagEntity(
        name=short.name,
        url=short.url,
        history=[
            TagHistoryEntity(
                day=str(int(day.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())),
                uses=str(uses),
                accounts=str(accounts),
            )
            for day, uses, accounts in history
        ],
        following=following,
    )


class NotificationEntity(Entity):
    omit_when_none = frozenset({"status"})

    id: str
    type: str
    group_key: str
    created_at: str
    account: AccountEntity
    status: StatusEntity | None = None


def notification(
    view: NotificationView,
    base: str,
    mentions: Mapping[int, Sequence[Account]] | None = None,
) -> NotificationEntity:
    """A notification for its recipient (who is the viewer of its status)."""
    kind = NOTIFICATION_TYPES.get(view.type, view.type)
    note = view.notification
    return NotificationEntity(
        id=str(note.id),
        type=kind,
        group_key=groups.effective_key(note, groups.GROUPABLE),
        created_at=timestamp(note.created_at),
        account=account(view.from_account, base),
        status=status(view.post, base, note.account_id, mentions=mentions)
        if view.post is not None and kind in STATUS_NOTIFICATIONS
        else None,
    )


QuoteEntity.model_rebuild()
StatusEntity.model_rebuild()
