"""Consent to training, per person and kind (off unless given), every change to it, and
the exports an operator made with what each included of whom."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from salon.db.base import Base, CreatedMixin, IdMixin


class Consent(Base):
    """A person's answer for one kind; no row is no."""

    __tablename__ = "training_consents"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted: Mapped[bool]
    changed_at: Mapped[datetime]

    __table_args__ = (Index("ix_training_consents_kind", "kind", "granted", "account_id"),)


class ConsentChange(IdMixin, CreatedMixin, Base):
    """One change, with its time: what the person said, kept as they said it."""

    __tablename__ = "training_consent_changes"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool]

    __table_args__ = (Index("ix_training_consent_changes_account", "account_id", "id"),)


class DatasetExport(IdMixin, CreatedMixin, Base):
    """An export as it was finished: its name, the time its consent was read at, and the
    window of items it covers."""

    __tablename__ = "dataset_exports"

    name: Mapped[str] = mapped_column(String(200))
    since: Mapped[datetime | None]  # only items from then on (a --since export)
    until: Mapped[datetime]  # consent and items as they were at this time
    counts: Mapped[dict[str, int]] = mapped_column(JSON)  # rows per part


class ExportInclusion(Base):
    """How many items of one kind of one person an export holds: what "My data in
    datasets" shows them."""

    __tablename__ = "dataset_export_inclusions"

    export_id: Mapped[int] = mapped_column(ForeignKey("dataset_exports.id", ondelete="CASCADE"),
                                           primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_dataset_export_inclusions_account", "account_id",
                            "export_id"),)


