"""Web Push subscriptions: at most one per access token, as on Mastodon."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class PushSubscription(IdMixin, CreatedMixin, Base):
    __tablename__ = "push_subscriptions"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # The token that subscribed: one subscription each; it ends with the token (revoked
    # tokens' subscriptions are deleted with the revocation, deleted ones by the key).
    token_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_tokens.id", ondelete="CASCADE"), unique=True
    )
    endpoint: Mapped[str] = mapped_column(Text)
    key_p256dh: Mapped[str] = mapped_column(String(100))  # URL-safe base64, as checked
    key_auth: Mapped[str] = mapped_column(String(50))
    standard: Mapped[bool] = mapped_column(default=False)  # RFC 8291, else the draft (aesgcm)
    alerts: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    policy: Mapped[str] = mapped_column(String(10), default="all")
    # The access token itself, which Mastodon puts in each payload for the app: sealed with
    # a key derived from SALON_SECRET_KEY (salon/push/service.py), never stored in the clear.
    sealed_token: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_push_subscriptions_account", "account_id"),)
