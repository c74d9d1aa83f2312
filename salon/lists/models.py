"""Lists: named groups of followed accounts, each with its own timeline and stream."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class AccountList(IdMixin, CreatedMixin, Base):
    """A list `account_id` made (Mastodon's List). Private to its owner."""

    __tablename__ = "lists"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    # Which replies by members show: to anyone followed, to members, or none (replies to
    # the member themselves or to the owner always show).
    replies_policy: Mapped[str] = mapped_column(String(10), default="list")
    # Members' posts leave the owner's home timeline.
    exclusive: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (Index("ix_lists_account", "account_id", "id"),)


class ListMember(IdMixin, CreatedMixin, Base):
    """`account_id` is in list `list_id` (its owner follows them)."""

    __tablename__ = "list_accounts"

    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("list_id", "account_id", name="uq_list_accounts_pair"),
        Index("ix_list_accounts_account", "account_id", "list_id"),
    )
