"""Consent to training, per kind and off unless given: reading and changing it (each change
kept with its time), who consents to a kind, and the exports that included a person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.datasets.models import Consent, ConsentChange, DatasetExport, ExportInclusion
from salon.datasets.schemas import KINDS
from salon.db.ids import utcnow
from salon.db.session import insert_or_ignore
from salon.errors import Invalid

HISTORY = 50  # changes shown with the consent


@dataclass
class ConsentState:
    granted: dict[str, bool]  # every kind
    changed_at: dict[str, datetime | None]
    history: list[ConsentChange]  # newest first


async def consent(session: AsyncSession, account_id: int) -> ConsentState:
    rows = {c.kind: c for c in await session.scalars(
        select(Consent).where(Consent.account_id == account_id))}
    history = list(await session.scalars(
        select(ConsentChange).where(ConsentChange.account_id == account_id)
        .order_by(ConsentChange.id.desc()).limit(HISTORY)))
    return ConsentState(
        granted={k: bool(rows[k].granted) if k in rows else False for k in KINDS},
        changed_at={k: rows[k].changed_at if k in rows else None for k in KINDS},
        history=history)


async def set_consent(session: AsyncSession, account_id: int,
                      changes: Mapping[str, bool]) -> ConsentState:
    """Gives or takes back consent for the kinds named; an answer equal to the current one
    changes nothing and is not recorded. Taking it back holds for every later export."""
    unknown = [k for k in changes if k not in KINDS]
    if unknown:
        raise Invalid(f"{unknown[0]} is not a kind of data: the kinds are "
                      f"{', '.join(KINDS)}.", unknown[0])
    now = utcnow()
    current = await consent(session, account_id)
    for kind, granted in changes.items():
        if current.granted[kind] == granted:
            continue
        # Two saves at once: one inserts, and the last one's answer stands.
        await insert_or_ignore(session, Consent, {"account_id": account_id, "kind": kind,
                                                  "granted": granted, "changed_at": now})
        await session.execute(update(Consent).where(
            Consent.account_id == account_id, Consent.kind == kind,
        ).values(granted=granted, changed_at=now))
        session.add(ConsentChange(account_id=account_id, kind=kind, granted=granted,
                                  created_at=now))
    await session.flush()
    return await consent(session, account_id)


async def grants(session: AsyncSession, account_id: int, kind: str) -> bool:
    """Whether the person consents to `kind` now."""
    return bool(await session.scalar(select(Consent.granted).where(
        Consent.account_id == account_id, Consent.kind == kind)))


def consenting(kind: str) -> Any:
    """A subquery of the accounts that consent to `kind` now, for an export's queries."""
    return (select(Consent.account_id)
            .where(Consent.kind == kind, Consent.granted.is_(True)).scalar_subquery())


@dataclass
class Inclusion:
    export: DatasetExport
    counts: dict[str, int]  # kind -> items of the person


async def inclusions(session: AsyncSession, account_id: int) -> list[Inclusion]:
    """Each finished export that holds anything of the person, newest first."""
    rows = (await session.execute(
        select(DatasetExport, ExportInclusion.kind, ExportInclusion.count)
        .join(ExportInclusion, ExportInclusion.export_id == DatasetExport.id)
        .where(ExportInclusion.account_id == account_id)
        .order_by(DatasetExport.id.desc(), ExportInclusion.kind))).all()
    found: dict[int, Inclusion] = {}
    for export, kind, count in rows:
        found.setdefault(export.id, Inclusion(export, {})).counts[kind] = count
    return list(found.values())
