"""Hashtags people follow (their public posts enter home) and feature on their profile."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class TagFollow(IdMixin, CreatedMixin, Base):
    """`account_id` follows hashtag `tag_id`; the id pages /api/v1/followed_tags."""

    __tablename__ = "tag_follows"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("account_id", "tag_id", name="uq_tag_follows_pair"),
        # Fan-out asks who follows a post's tags.
        Index("ix_tag_follows_tag", "tag_id"),
    )


class FeaturedTag(IdMixin, CreatedMixin, Base):
    """A hashtag shown on `account_id`'s profile (at most MAX_FEATURED each)."""

    __tablename__ = "featured_tags"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))

    __table_args__ = (UniqueConstraint("account_id", "tag_id", name="uq_featured_tags_pair"),)
