"""Who follows, blocks and mutes whom; pending follow requests, notes and endorsements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class Follow(IdMixin, CreatedMixin, Base):
    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    followee_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    show_reposts: Mapped[bool] = mapped_column(default=True)
    # Tell the follower whenever the followee posts (Mastodon's `notify`).
    notify: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (
        UniqueConstraint("follower_id", "followee_id", name="uq_follows_pair"),
        Index("ix_follows_followee", "followee_id", "id"),
    )


class FollowRequest(IdMixin, CreatedMixin, Base):
    """A follow of a locked account, waiting for its owner to authorize or reject it. It
    gives no access to anything: visibility reads `follows` only."""

    __tablename__ = "follow_requests"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    show_reposts: Mapped[bool] = mapped_column(default=True)
    notify: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        UniqueConstraint("account_id", "target_id", name="uq_follow_requests_pair"),
        Index("ix_follow_requests_target", "target_id", "id"),
    )


class Block(IdMixin, CreatedMixin, Base):
    __tablename__ = "blocks"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("account_id", "target_id", name="uq_blocks_pair"),
        Index("ix_blocks_target", "target_id"),
    )


class Mute(IdMixin, CreatedMixin, Base):
    __tablename__ = "mutes"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # Also hide their notifications (Mastodon's `notifications`, true unless asked).
    notifications: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The mute ends then (None: never); expired rows are ignored, then swept.
    expires_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("account_id", "target_id", name="uq_mutes_pair"),
        Index("ix_mutes_expires", "expires_at"),
    )


class AccountNote(IdMixin, Base):
    """A private note about another account, seen only by its author."""

    __tablename__ = "account_notes"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    comment: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("account_id", "target_id", name="uq_account_notes_pair"),)


class Endorsement(IdMixin, CreatedMixin, Base):
    """An account featured on its endorser's profile (Mastodon's account pins)."""

    __tablename__ = "endorsements"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("account_id", "target_id", name="uq_endorsements_pair"),
        Index("ix_endorsements_target", "target_id"),
    )


class SuggestionDismissal(Base):
    """An account the viewer asked not to be suggested again (Mastodon's
    DELETE /api/v1/suggestions/:account_id)."""

    __tablename__ = "suggestion_dismissals"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_suggestion_dismissals_target", "target_id"),)
