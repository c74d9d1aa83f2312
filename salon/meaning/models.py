"""A post's vector: the embedding of what search finds it by (text, content warning, poll
options, alt texts, prompts unless its recipe is hidden)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base
from salon.db.ids import new_id, utcnow


class PostVector(Base):
    __tablename__ = "post_vectors"

    post_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(100))  # the embedder's name and version
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length
    # A new time-ordered number at each (re)embedding: in-memory indexes catch up by it.
    version: Mapped[int] = mapped_column(BigInteger, default=new_id)
    embedded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_post_vectors_version", "version"),)
