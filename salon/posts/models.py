"""Posts and what hangs off them: likes, bookmarks, tags, mentions, polls, edit history.

A repost is a Post row whose `reblog_of_id` points at the original, as in Mastodon: it gets
its own time-ordered id, so it sorts into timelines at the moment it was reposted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin
from salon.db.ids import utcnow
from salon.media.models import MediaAttachment


class Visibility(StrEnum):
    public = "public"  # everywhere, including public timelines
    unlisted = "unlisted"  # anyone with the link; not on public timelines or tag pages
    private = "private"  # followers and mentioned accounts only
    direct = "direct"  # mentioned accounts only


class Post(IdMixin, CreatedMixin, Base):
    __tablename__ = "posts"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")  # as typed
    content_html: Mapped[str] = mapped_column(Text, default="")  # rendered, safe
    spoiler_text: Mapped[str] = mapped_column(String(500), default="")
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.public)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    in_reply_to_account_id: Mapped[int | None] = mapped_column(BigInteger)
    reblog_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    quote_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime | None]
    replies_count: Mapped[int] = mapped_column(BigInteger, default=0)
    reposts_count: Mapped[int] = mapped_column(BigInteger, default=0)
    likes_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # Imagine: the post whose recipe this one remixed, and whether the author hid the recipe.
    remix_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    remixes_count: Mapped[int] = mapped_column(BigInteger, default=0)
    recipe_hidden: Mapped[bool] = mapped_column(default=False)
    # Moves when what shows with the post changes outside this row (an attached picture's
    # alt text or file), so a rendered post can be checked against the row alone.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # ISO 639 code the author gave (languages.py), and the OAuth app that posted it (None:
    # the web UI, or an app since deleted).
    language: Mapped[str | None] = mapped_column(String(10))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_apps.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_posts_account_id", "account_id", "id"),
        Index("ix_posts_in_reply_to", "in_reply_to_id"),
        Index("ix_posts_reblog_of", "reblog_of_id", "account_id"),
        Index("ix_posts_quote_of", "quote_of_id"),
        Index("ix_posts_remix_of", "remix_of_id", "id"),
        Index("ix_posts_visibility_id", "visibility", "id"),
    )


class Like(IdMixin, CreatedMixin, Base):
    __tablename__ = "likes"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("account_id", "post_id", name="uq_likes_pair"),
        Index("ix_likes_post", "post_id"),
    )


class Bookmark(IdMixin, CreatedMixin, Base):
    __tablename__ = "bookmarks"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))

    __table_args__ = (UniqueConstraint("account_id", "post_id", name="uq_bookmarks_pair"),)


class Tag(IdMixin, CreatedMixin, Base):
    __tablename__ = "tags"

    name: Mapped[str] = mapped_column(String(100), unique=True)  # lower-case key
    display_name: Mapped[str] = mapped_column(String(100))


class PostTag(Base):
    __tablename__ = "post_tags"

    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_post_tags_post", "post_id"),)


class Mention(Base):
    __tablename__ = "mentions"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_mentions_account", "account_id", "post_id"),)


class Poll(IdMixin, Base):
    __tablename__ = "polls"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    expires_at: Mapped[datetime]
    multiple: Mapped[bool] = mapped_column(default=False)
    voters_count: Mapped[int] = mapped_column(BigInteger, default=0)


class PollOption(Base):
    __tablename__ = "poll_options"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    votes_count: Mapped[int] = mapped_column(BigInteger, default=0)


class PollVote(IdMixin, CreatedMixin, Base):
    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("poll_id", "account_id", "position", name="uq_poll_votes_choice"),
    )


class PostEdit(IdMixin, CreatedMixin, Base):
    """One version of a post: the original and every edit, oldest first."""

    __tablename__ = "post_edits"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    content_html: Mapped[str] = mapped_column(Text)
    spoiler_text: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (Index("ix_post_edits_post", "post_id", "id"),)


class Pin(Base):
    """A post its author pinned to the top of their profile."""

    __tablename__ = "pins"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationMute(Base):
    """A thread whose notifications the account no longer gets (Mastodon's conversation
    mute), keyed by the thread's first post (conversations.thread_of)."""

    __tablename__ = "conversation_mutes"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    root_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_conversation_mutes_root", "root_id"),)


class ScheduledPost(IdMixin, CreatedMixin, Base):
    """A post to publish at `scheduled_at`: what was sent to make it, kept until then (the
    `posts.publish_scheduled` job). Its media are reserved for it (media_attachments
    .scheduled_id)."""

    __tablename__ = "scheduled_posts"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    scheduled_at: Mapped[datetime]
    params: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_apps.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_scheduled_posts_account", "account_id", "id"),
                      Index("ix_scheduled_posts_account_at", "account_id", "scheduled_at"))


class Conversation(IdMixin, Base):
    """One participant's view of a thread of direct posts among the same people, as
    Mastodon's AccountConversation: each participant has their own row and `unread`."""

    __tablename__ = "conversations"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(BigInteger)  # the thread's first post
    participants: Mapped[str] = mapped_column(String(2000))  # the others' ids, sorted, ","
    last_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"))
    unread: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        UniqueConstraint("account_id", "thread_id", "participants",
                         name="uq_conversations_key"),
        Index("ix_conversations_account_last", "account_id", "last_post_id"),
    )


class ConversationPost(Base):
    """The direct posts of a conversation (to find the last one left after a delete)."""

    __tablename__ = "conversation_posts"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_conversation_posts_post", "post_id"),)


@event.listens_for(MediaAttachment, "after_update")
def _revise_post(_mapper: Mapper[MediaAttachment], connection: Connection,
                 media: MediaAttachment) -> None:
    """An attached picture changed (alt text, focus, file): its post's rendering did too."""
    if media.post_id is not None:
        connection.execute(
            update(Post).where(Post.id == media.post_id).values(revision=Post.revision + 1)
        )
