"""OAuth 2 as Mastodon does it: registered client apps, authorization codes and tokens.
Codes and tokens are stored only as SHA-256 hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class OAuthApp(IdMixin, CreatedMixin, Base):
    __tablename__ = "oauth_apps"

    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    redirect_uris: Mapped[str] = mapped_column(Text)  # one per line
    scopes: Mapped[str] = mapped_column(String(500))
    # Random for a registered app; the https URL of its metadata document for a client
    # known by one (Client ID Metadata Documents).
    client_id: Mapped[str] = mapped_column(String(500), unique=True)
    client_secret: Mapped[str] = mapped_column(String(64))
    # A public client (registered with token_endpoint_auth_method "none", RFC 7591): it
    # keeps no secret, so its codes must come with PKCE.
    public: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A client known by its metadata document: when that is to be fetched again.
    document_expires_at: Mapped[datetime | None]


class OAuthGrant(IdMixin, CreatedMixin, Base):
    """An authorization code, good once, for a few minutes."""

    __tablename__ = "oauth_grants"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_apps.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(String(500))
    code_challenge: Mapped[str | None] = mapped_column(String(200))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    resource: Mapped[str | None] = mapped_column(String(500))  # RFC 8707: what it is for
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OAuthToken(IdMixin, CreatedMixin, Base):
    __tablename__ = "oauth_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_apps.id", ondelete="CASCADE"))
    # None for an app's own token (client_credentials), which acts for no account.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    scopes: Mapped[str] = mapped_column(String(500))
    # RFC 8707: the resource (Salon's /mcp) the token is bound to; None: the Mastodon API.
    resource: Mapped[str | None] = mapped_column(String(500))
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_oauth_tokens_account", "account_id"),)
