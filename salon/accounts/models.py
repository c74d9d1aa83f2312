"""Accounts, their credentials and their logged-in browser sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class Account(IdMixin, CreatedMixin, Base):
    __tablename__ = "accounts"

    username: Mapped[str] = mapped_column(String(30))
    # Usernames are unique regardless of case: "Alice" and "alice" are one name.
    username_key: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(60), default="")
    bio: Mapped[str] = mapped_column(Text, default="")  # as typed
    bio_html: Mapped[str] = mapped_column(Text, default="")  # rendered, safe
    avatar_key: Mapped[str | None] = mapped_column(String(200))
    header_key: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # False while a moderator has yet to approve a sign-up (when approval is required).
    approved: Mapped[bool] = mapped_column(default=True, server_default=true())
    suspended_at: Mapped[datetime | None]
    # A moderator disabled the login (Mastodon's `disable`): no sign-in and no token works,
    # while the profile and posts stay up.
    disabled_at: Mapped[datetime | None]
    bot: Mapped[bool] = mapped_column(default=False, server_default=false())  # automated
    # The instance's assistant (salon/assistant): one account, whatever it is named.
    is_assistant: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Follows wait for the owner's approval (Mastodon's `locked`): see graph.FollowRequest.
    locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Profile fields: [{"name", "value" (as typed), "value_html" (rendered, safe)}]; None: none.
    fields: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    followers_count: Mapped[int] = mapped_column(BigInteger, default=0)
    following_count: Mapped[int] = mapped_column(BigInteger, default=0)
    posts_count: Mapped[int] = mapped_column(BigInteger, default=0)
    last_post_at: Mapped[datetime | None]
    # Moves with every change to the account's filters (0: it never had any), so compiled
    # filters kept per process are checked against the row each request reads anyway.
    filters_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The tab the web UI opens on: home (chronological) or for_you (ranked), by choice.
    start_tab: Mapped[str] = mapped_column(String(10), default="home", server_default="home")

    # Every visibility check excludes suspended authors; this keeps that lookup small.
    __table_args__ = (
        Index("ix_accounts_suspended", "suspended_at"),
        # Only suspended rows: what `suspended_ids()` reads, without scanning every account.
        Index("ix_accounts_suspended_ids", "id", sqlite_where=text("suspended_at IS NOT NULL"),
              postgresql_where=text("suspended_at IS NOT NULL")),
        # The profile directory, most recently active first (api/mastodon/directory.py).
        Index("ix_accounts_last_post_at", "last_post_at", "id"),
    )


class Credential(Base):
    __tablename__ = "credentials"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))


class LoginSession(CreatedMixin, Base):
    """A signed-in browser. The cookie carries a random token; only its hash is stored."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    last_seen_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_login_sessions_account", "account_id"),)
