"""Asks: each question put to the assistant (a mention of it, or "Explain this post"), with
who asked, what it answered and how. An ask is a durable state machine worked by jobs:
queued -> thinking -> (drawing ->) answered | refused | failed. Kept with the asker, so
that a later data export can respect each person's consent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class AskState(StrEnum):
    queued = "queued"
    thinking = "thinking"
    drawing = "drawing"
    answered = "answered"
    refused = "refused"  # said why (a reply), or ignored (a bot, a block): see `reason`
    failed = "failed"


FINISHED = (AskState.answered, AskState.refused, AskState.failed)


class Ask(IdMixin, CreatedMixin, Base):
    __tablename__ = "assistant_asks"

    asker_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # mention | explain
    # The post that asks (a mention): one ask per post, however often its job runs.
    question_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), unique=True)
    # The post asked about (the question's parent, or the explained post).
    target_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # the thread's first post
    question: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default=AskState.queued)
    reason: Mapped[str | None] = mapped_column(String(40))  # why refused or failed, a key
    answer: Mapped[str] = mapped_column(Text, default="")
    answer_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"))
    generation_id: Mapped[int | None] = mapped_column(
        ForeignKey("generations.id", ondelete="SET NULL"))
    engine: Mapped[str] = mapped_column(String(40), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    usage: Mapped[dict[str, int] | None] = mapped_column(JSON)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_assistant_asks_asker", "asker_id", "created_at"),
        Index("ix_assistant_asks_thread", "thread_id", "created_at"),
    )
