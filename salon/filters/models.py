"""A person's filters (Mastodon's v2 filters): each has a title, the contexts it applies in, an
action (warn, hide or blur), an optional expiry, and keywords and posts it matches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")


class Filter(IdMixin, CreatedMixin, Base):
    __tablename__ = "filters"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    context: Mapped[str] = mapped_column(String(100))  # names from CONTEXTS, comma-separated
    action: Mapped[str] = mapped_column(String(10), default="warn")
    expires_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_filters_account", "account_id", "id"),)

    @property
    def contexts(self) -> list[str]:
        return [c for c in self.context.split(",") if c]


class FilterKeyword(IdMixin, CreatedMixin, Base):
    __tablename__ = "filter_keywords"

    filter_id: Mapped[int] = mapped_column(ForeignKey("filters.id", ondelete="CASCADE"))
    keyword: Mapped[str] = mapped_column(String(200))
    whole_word: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (Index("ix_filter_keywords_filter", "filter_id", "id"),)


class FilterStatus(IdMixin, CreatedMixin, Base):
    __tablename__ = "filter_statuses"

    filter_id: Mapped[int] = mapped_column(ForeignKey("filters.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_filter_statuses_filter", "filter_id", "post_id", unique=True),
                      Index("ix_filter_statuses_post", "post_id"))
