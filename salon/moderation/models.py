"""Reports people file, and what moderators did about them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class Report(IdMixin, CreatedMixin, Base):
    __tablename__ = "reports"

    reporter_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # Kept as a plain number: the post may be removed while the report stays on file.
    post_id: Mapped[int | None] = mapped_column(BigInteger)
    post_excerpt: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20), default="other")
    comment: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(BigInteger)
    action_taken: Mapped[str] = mapped_column(String(30), default="")
    # The moderator handling it (Mastodon's assigned_account), and when it last changed.
    assigned_account_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_reports_open", "resolved_at", "id"),)


class AdminAction(IdMixin, CreatedMixin, Base):
    """The audit log: every moderator's action, with who took it. Ids are plain numbers so
    the record outlives the accounts and reports it names."""

    __tablename__ = "admin_actions"

    account_id: Mapped[int] = mapped_column(BigInteger)  # the moderator
    action: Mapped[str] = mapped_column(String(30))  # suspend, approve, resolve, ...
    target_type: Mapped[str] = mapped_column(String(20))  # account, report or post
    target_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_admin_actions_target", "target_type", "target_id", "id"),)
