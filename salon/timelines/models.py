"""Materialised home timelines for the SQL TimelineStore."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base


class HomeEntry(Base):
    """Post `post_id` (an original or a repost) is in the home timeline of `account_id`.
    `author_id` is the account that made the post (or the repost), for filtering at read."""

    __tablename__ = "home_entries"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    author_id: Mapped[int] = mapped_column(BigInteger)


class HomeMarker(Base):
    """How far an account has read its home timeline (Mastodon's `home` marker), so apps
    can open where the person left off, on any device."""

    __tablename__ = "home_markers"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_id: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None]
