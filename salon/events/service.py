"""Publishing live events from services. An event waits in the session until its
transaction commits, so a listener never hears of something that was rolled back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from salon.events.bus import BUS, Event

PENDING = "salon.events"
# A stream every home stream hears besides its own (`user:42`): deletes of public and
# unlisted posts, which any home may hold as a repost. Edits and deletes otherwise go to
# the streams that carry the post (`public`, `hashtag:x`, `list:7`, `user:42`).
SIGNED_IN = "signed-in"


def publish(session: AsyncSession, stream: str, kind: str, **data: Any) -> None:
    session.sync_session.info.setdefault(PENDING, []).append(Event(stream, kind, data))


@sa_event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    for pending in session.info.pop(PENDING, []):
        BUS.publish(pending)


@sa_event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(PENDING, None)
