"""Publishing live events from services. An event waits in the session until its
transaction commits, so a listener never hears of something that was rolled back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from salon.events.bus import BUS, Event

PENDING = "salon.events"
# Streams every listener of an audience hears besides its own (`user:42`, `public`...).
EVERYONE = "everyone"  # public deletes and edits, which listeners check again
SIGNED_IN = "signed-in"  # home streams only: deletes of unlisted posts


def publish(session: AsyncSession, stream: str, kind: str, **data: Any) -> None:
    session.sync_session.info.setdefault(PENDING, []).append(Event(stream, kind, data))


@sa_event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    for pending in session.info.pop(PENDING, []):
        BUS.publish(pending)


@sa_event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(PENDING, None)
