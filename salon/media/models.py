"""Uploaded and generated media: the stored files and what we know about them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class MediaAttachment(IdMixin, CreatedMixin, Base):
    __tablename__ = "media_attachments"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # Reserved for a scheduled post until it is published (or cancelled).
    scheduled_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduled_posts.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="processing")  # ready | failed
    content_type: Mapped[str] = mapped_column(String(40))
    file_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    blurhash: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")  # alt text
    focus_x: Mapped[float] = mapped_column(default=0.0)
    focus_y: Mapped[float] = mapped_column(default=0.0)

    __table_args__ = (
        Index("ix_media_post", "post_id", "position"),
        Index("ix_media_account", "account_id", "id"),
        # A file served is found by its key (web.media_signals: what it allows crawlers).
        Index("ix_media_file_key", "file_key"),
        Index("ix_media_thumb_key", "thumb_key"),
    )
