"""Who follows, blocks and mutes whom."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, UniqueConstraint, false
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

    __table_args__ = (UniqueConstraint("account_id", "target_id", name="uq_mutes_pair"),)
