"""For You's feedback and materialised rankings, and feeds from a sentence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class Feedback(IdMixin, CreatedMixin, Base):
    """What a person told For You: show less or more like a post, or not interested in an
    account or a tag. Private to them."""

    __tablename__ = "feed_feedback"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # less | more | not_interested
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"))
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_feed_feedback_account", "account_id", "id"),)


class Ranking(Base):
    """The For You page last ranked for a person in one client, kept so that paging through
    it is stable: entries are [post_id, score, reasons] in order. One per client (a web
    sign-in, an access token): an app opening For You does not re-rank under a web page
    that is half read."""

    __tablename__ = "for_you_rankings"

    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    client: Mapped[str] = mapped_column(String(40), primary_key=True)
    made_at: Mapped[datetime]
    entries: Mapped[list[Any]] = mapped_column(JSON)
    # The newest feedback taken into account: newer feedback re-ranks what is not shown yet.
    feedback_id: Mapped[int] = mapped_column(BigInteger, default=0)


class SentenceFeed(IdMixin, CreatedMixin, Base):
    """A feed someone wrote in a sentence ("cities at night, no people")."""

    __tablename__ = "sentence_feeds"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    sentence: Mapped[str] = mapped_column(String(300))
    order: Mapped[str] = mapped_column(String(10), default="newest")  # newest | best
    public: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The sentence's embedding (what to match) and what to avoid ("no people"), with the
    # model they came from: a change of model embeds them again.
    model: Mapped[str] = mapped_column(String(100), default="")
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    avoid: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_sentence_feeds_account", "account_id", "id"),)


class FeedFollow(IdMixin, CreatedMixin, Base):
    """`account_id` reads feed `feed_id` (its owner too): pinned ones are tabs."""

    __tablename__ = "sentence_feed_follows"

    feed_id: Mapped[int] = mapped_column(ForeignKey("sentence_feeds.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    pinned: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (
        UniqueConstraint("feed_id", "account_id", name="uq_sentence_feed_follows_pair"),
        Index("ix_sentence_feed_follows_account", "account_id", "id"),
    )
