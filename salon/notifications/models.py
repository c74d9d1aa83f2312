"""Notifications and how far each account has read them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class NotificationType(StrEnum):
    mention = "mention"
    reply = "reply"
    like = "favourite"
    repost = "reblog"
    quote = "quote"
    follow = "follow"
    follow_request = "follow_request"  # someone asks to follow a locked account
    poll = "poll"
    status = "status"  # a followed account posted (for followers who asked to be told)
    remix = "salon.remix"  # someone posted a remix of your picture


# What a notification policy says of a kind of sender (Mastodon's NotificationPolicy).
POLICY_ANSWERS = ("accept", "filter", "drop")


class Notification(IdMixin, CreatedMixin, Base):
    __tablename__ = "notifications"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    from_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # Notifications of one group share it (`favourite-<post>-<hour>`, see groups.py); None:
    # one not grouped (a mention, or one older than grouping).
    group_key: Mapped[str | None] = mapped_column(String(80))
    # Kept out of the list by the recipient's policy until they accept its sender.
    filtered: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (
        Index("ix_notifications_account", "account_id", "id"),
        Index("ix_notifications_post", "post_id"),
        Index("ix_notifications_group", "account_id", "group_key"),
    )


class NotificationMarker(Base):
    __tablename__ = "notification_markers"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_id: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime | None]


class NotificationPolicy(Base):
    """Who may notify an account: each kind of sender accepted, filtered (kept aside as a
    request) or dropped. No row: everything accepted."""

    __tablename__ = "notification_policies"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    for_not_following: Mapped[str] = mapped_column(String(6), default="accept")
    for_not_followers: Mapped[str] = mapped_column(String(6), default="accept")
    for_new_accounts: Mapped[str] = mapped_column(String(6), default="accept")
    for_private_mentions: Mapped[str] = mapped_column(String(6), default="accept")
    for_limited_accounts: Mapped[str] = mapped_column(String(6), default="accept")


class NotificationRequest(IdMixin, CreatedMixin, Base):
    """One sender's filtered notifications, waiting for the recipient to accept or dismiss."""

    __tablename__ = "notification_requests"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    from_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    last_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("account_id", "from_account_id"),
        Index("ix_notification_requests_account", "account_id", "id"),
    )


class NotificationPermission(Base):
    """A sender whose request was accepted: their notifications are never filtered."""

    __tablename__ = "notification_permissions"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    from_account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
