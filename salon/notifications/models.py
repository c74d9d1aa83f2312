"""Notifications and how far each account has read them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
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


class Notification(IdMixin, CreatedMixin, Base):
    __tablename__ = "notifications"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    from_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))

    __table_args__ = (
        Index("ix_notifications_account", "account_id", "id"),
        Index("ix_notifications_post", "post_id"),
    )


class NotificationMarker(Base):
    __tablename__ = "notification_markers"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_id: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime | None]
