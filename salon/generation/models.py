"""Generations: a request for pictures, worked by the job workers, and the candidates it made.

A Generation is a durable state machine: queued -> running -> succeeded | failed | cancelled.
Each candidate is a MediaAttachment owned by the requester; the candidate row keeps its seed
and, once posted, which post picked it (the preference data: picked versus not picked).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class State(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


FINISHED = (State.succeeded, State.failed, State.cancelled)


class Generation(IdMixin, CreatedMixin, Base):
    __tablename__ = "generations"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default=State.queued)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    prompt: Mapped[str] = mapped_column(Text)
    negative_prompt: Mapped[str] = mapped_column(Text, default="")
    engine: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200))
    # Whether a trained model made the pictures (the engine's `trained`, kept with them:
    # their labels stay true if the instance later changes its engines).
    trained: Mapped[bool] = mapped_column(default=True, server_default=true())
    seed: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(Integer)
    aspect: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    steps: Mapped[int] = mapped_column(Integer)
    guidance: Mapped[float] = mapped_column(Float)
    style: Mapped[str] = mapped_column(String(40), default="")
    # Vary (subtle): the seed's picture with a little of another noise mixed in.
    subseed: Mapped[int | None] = mapped_column(BigInteger)
    subseed_strength: Mapped[float] = mapped_column(Float, default=0.0)
    # Image-to-image: the picture to start from and how far to move away from it.
    source_media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_attachments.id", ondelete="SET NULL")
    )
    strength: Mapped[float] = mapped_column(Float, default=0.0)
    remix_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    # Vary: the generation and the candidate (its position) this one varies.
    variation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("generations.id", ondelete="SET NULL")
    )
    variation_position: Mapped[int | None] = mapped_column(Integer)
    # Made for someone else (the assistant draws for the person who asked): their daily
    # allowance counts it, and the prompt is screened as theirs.
    on_behalf_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    # A job to enqueue once the generation has finished, whatever the outcome
    # ({"kind": ..., "payload": {...}}): in the same transaction, so it runs exactly once.
    then: Mapped[dict[str, object] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    # What a paid engine reported (its token counts) and what that cost, if it is known.
    usage: Mapped[dict[str, int] | None] = mapped_column(JSON)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    # The prompt's words the engine drew and those it could not ({"used": [...],
    # "ignored": [...]}), where the engine says (sketch).
    words: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    # Moves each time previews of the pictures in progress are stored (0: none yet).
    preview_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_generations_account", "account_id", "id"),
        Index("ix_generations_state", "state", "created_at"),
        Index("ix_generations_on_behalf", "on_behalf_of_id", "created_at"),
    )


class Candidate(IdMixin, Base):
    __tablename__ = "generation_candidates"

    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    # Gone (NULL) once an unpicked candidate expires or its post is deleted.
    media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_attachments.id", ondelete="SET NULL")
    )
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    # Every candidate is stored twice, both signed: with its recipe inside the file and
    # without. Hiding a recipe switches the media to the plain file and deletes the other.
    recipe_key: Mapped[str | None] = mapped_column(String(200))
    plain_key: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_candidates_generation", "generation_id", "position", unique=True),
        Index("ix_candidates_media", "media_id"),
        Index("ix_candidates_post", "post_id"),
    )


class Refusal(IdMixin, CreatedMixin, Base):
    """A generation refused by the prompt filter or the quota, so moderators can see abuse."""

    __tablename__ = "generation_refusals"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))  # blocklist | quota
    detail: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_refusals_account", "account_id", "id"),)
