"""Scheduled posts, as Mastodon's: what was sent is checked and kept, its media reserved,
and a durable job (`posts.publish_scheduled`) publishes it at its time through
`service.create_post`, so notifications, fan-out and provenance behave as for any post.

A job carries the time it was queued for: rescheduling queues a new one and the old finds
the time changed, cancelling deletes the row and the job finds nothing, so either does
nothing. Publishing deletes the row first (only where its time is still the job's), so two
runs of one job cannot publish twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.errors import Invalid, NotFound, SalonError
from salon.jobs import service as jobs
from salon.media import service as media
from salon.media.models import MediaAttachment
from salon.posts import languages
from salon.posts import service as posts
from salon.posts.models import Post, ScheduledPost, Visibility
from salon.posts.schemas import PollSpec
from salon.posts.visibility import OPEN

log = logging.getLogger("salon.posts")
JOB = "posts.publish_scheduled"
MIN_AHEAD = timedelta(minutes=5)  # as Mastodon: at least 5 minutes ahead
TOTAL_LIMIT = 300  # scheduled posts an account may have waiting
DAILY_LIMIT = 25  # ... and for any one day


@dataclass
class Draft:
    """What a post is made from, as create_post takes it."""

    text: str = ""
    spoiler_text: str = ""
    visibility: str = Visibility.public
    media_ids: list[int] | None = None
    in_reply_to_id: int | None = None
    quote_of_id: int | None = None
    poll: PollSpec | None = None
    language: str | None = None

    def params(self, application_id: int | None, idempotency: str | None) -> dict[str, Any]:
        """Mastodon's ScheduledStatus params (ids as strings, unset as null)."""
        return {
            "text": self.text,
            "poll": None if self.poll is None else {
                "options": self.poll.options, "expires_in": self.poll.expires_in,
                "multiple": self.poll.multiple, "hide_totals": False},
            "media_ids": [str(i) for i in self.media_ids] if self.media_ids else None,
            "sensitive": bool(self.spoiler_text),
            "spoiler_text": self.spoiler_text or None,
            "visibility": self.visibility,
            "in_reply_to_id": str(self.in_reply_to_id) if self.in_reply_to_id else None,
            "quoted_status_id": str(self.quote_of_id) if self.quote_of_id else None,
            "language": self.language,
            "application_id": application_id,
            "scheduled_at": None,
            "idempotency": idempotency,
            "with_rate_limit": False,
        }

    @classmethod
    def of(cls, params: dict[str, Any]) -> Draft:
        poll = params.get("poll")

        def some_id(key: str) -> int | None:
            return int(params[key]) if params.get(key) else None

        return cls(
            text=str(params.get("text") or ""),
            spoiler_text=str(params.get("spoiler_text") or ""),
            visibility=str(params.get("visibility") or Visibility.public),
            media_ids=[int(i) for i in params.get("media_ids") or []],
            in_reply_to_id=some_id("in_reply_to_id"),
            quote_of_id=some_id("quoted_status_id"),
            poll=PollSpec(list(poll["options"]), int(poll["expires_in"]),
                          bool(poll.get("multiple"))) if poll else None,
            language=params.get("language"),
        )


async def _check(session: AsyncSession, author: Account, draft: Draft,
                 rules: posts.Rules) -> None:
    """What create_post would refuse, refused now rather than at the scheduled time."""
    if draft.visibility not in Visibility.__members__:
        raise Invalid("Visibility must be public, unlisted, private or direct.", "visibility")
    media_ids = draft.media_ids or []
    if len(media_ids) > rules.max_media:
        raise Invalid(f"A post can have at most {rules.max_media} images.", "media")
    if draft.poll and media_ids:
        raise Invalid("A post can have images or a poll, not both.", "poll")
    draft.text = draft.text.replace("\r\n", "\n").strip()
    draft.spoiler_text = " ".join(draft.spoiler_text.split())
    posts._check_text(draft.text, draft.spoiler_text, rules, bool(media_ids or draft.poll))
    if draft.poll:
        posts._check_poll(draft.poll, rules)
    draft.language = languages.language(draft.language)
    if draft.in_reply_to_id:
        parent = await posts.get_visible(session, draft.in_reply_to_id, author.id)
        if parent.reblog_of_id:
            raise Invalid("Reply to the original post, not to a repost.", "in_reply_to_id")
    if draft.quote_of_id:
        quoted = await posts.get_visible(session, draft.quote_of_id, author.id)
        if quoted.reblog_of_id is None and quoted.visibility not in OPEN:
            raise Invalid("Only public and unlisted posts can be quoted.", "quote_of_id")


async def _check_time(session: AsyncSession, account_id: int, when: datetime,
                      moving: int | None = None) -> None:
    if when < utcnow() + MIN_AHEAD:
        raise Invalid("scheduled_at must be at least 5 minutes in the future.", "scheduled_at")
    mine = select(func.count()).select_from(ScheduledPost).where(
        ScheduledPost.account_id == account_id)
    if moving is not None:
        mine = mine.where(ScheduledPost.id != moving)
    elif int(await session.scalar(mine) or 0) >= TOTAL_LIMIT:
        raise Invalid(f"You have {TOTAL_LIMIT} scheduled posts already, the most you may "
                      "have waiting.", "scheduled_at")
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    that_day = mine.where(ScheduledPost.scheduled_at >= day,
                          ScheduledPost.scheduled_at < day + timedelta(days=1))
    if int(await session.scalar(that_day) or 0) >= DAILY_LIMIT:
        raise Invalid(f"You have {DAILY_LIMIT} posts scheduled for that day already, the "
                      "most for one day.", "scheduled_at")


def _queue(session: AsyncSession, scheduled: ScheduledPost) -> None:
    jobs.enqueue(session, JOB, {"scheduled_id": scheduled.id,
                                "at": scheduled.scheduled_at.isoformat()},
                 run_at=scheduled.scheduled_at)


async def schedule(
    session: AsyncSession, author: Account, when: datetime, draft: Draft, *,
    rules: posts.Rules, application_id: int | None = None, idempotency: str | None = None,
) -> ScheduledPost:
    """Keep a post to publish at `when` (at least 5 minutes ahead), its media reserved."""
    await _check_time(session, author.id, when)
    await _check(session, author, draft, rules)
    scheduled = ScheduledPost(account_id=author.id, scheduled_at=when,
                              params=draft.params(application_id, idempotency),
                              application_id=application_id)
    session.add(scheduled)
    await session.flush()
    if draft.media_ids:
        await media.reserve(session, author.id, draft.media_ids, scheduled.id,
                            limit=rules.max_media)
    _queue(session, scheduled)
    return scheduled


async def get_own(session: AsyncSession, account_id: int, scheduled_id: int) -> ScheduledPost:
    found = await session.get(ScheduledPost, scheduled_id)
    if found is None or found.account_id != account_id:  # another's reads as none
        raise NotFound("Record not found")
    return found


async def page(session: AsyncSession, account_id: int, max_id: int | None,
               since_id: int | None, min_id: int | None, limit: int) -> list[ScheduledPost]:
    """The account's scheduled posts by id, newest first (oldest first after min_id)."""
    query = select(ScheduledPost).where(ScheduledPost.account_id == account_id)
    if max_id is not None:
        query = query.where(ScheduledPost.id < max_id)
    if since_id is not None:
        query = query.where(ScheduledPost.id > since_id)
    if min_id is not None:
        query = query.where(ScheduledPost.id > min_id).order_by(ScheduledPost.id)
    else:
        query = query.order_by(ScheduledPost.id.desc())
    return list(await session.scalars(query.limit(limit)))


async def reschedule(session: AsyncSession, account_id: int, scheduled_id: int,
                     when: datetime) -> ScheduledPost:
    scheduled = await get_own(session, account_id, scheduled_id)
    await _check_time(session, account_id, when, moving=scheduled.id)
    scheduled.scheduled_at = when
    _queue(session, scheduled)  # the job already queued finds the time changed
    await session.flush()
    return scheduled


async def cancel(session: AsyncSession, account_id: int, scheduled_id: int) -> None:
    """Delete it; its media are free again (the job finds nothing)."""
    scheduled = await get_own(session, account_id, scheduled_id)
    await _free_media(session, scheduled.id)
    await session.delete(scheduled)
    await session.flush()


async def _free_media(session: AsyncSession, scheduled_id: int) -> None:
    for item in await session.scalars(
            select(MediaAttachment).where(MediaAttachment.scheduled_id == scheduled_id)):
        item.scheduled_id = None


async def publish(session: AsyncSession, scheduled_id: int, at: str,
                  rules: posts.Rules) -> Post | None:
    """Publish a scheduled post if it is still due at `at` (the job's time); None when it
    was cancelled, rescheduled, published already, or can no longer be posted."""
    scheduled = await session.get(ScheduledPost, scheduled_id)
    if scheduled is None or scheduled.scheduled_at != datetime.fromisoformat(at):
        return None
    author = await session.get(Account, scheduled.account_id)
    params, application_id = dict(scheduled.params), scheduled.application_id
    gone = await session.execute(delete(ScheduledPost).where(
        ScheduledPost.id == scheduled_id, ScheduledPost.scheduled_at == scheduled.scheduled_at
    ).execution_options(synchronize_session=False))
    if not gone.rowcount or author is None:  # type: ignore[attr-defined]
        return None
    draft = Draft.of(params)
    try:
        async with session.begin_nested():
            return await posts.create_post(
                session, author, draft.text, rules=rules, spoiler_text=draft.spoiler_text,
                visibility=draft.visibility, media_ids=draft.media_ids,
                in_reply_to_id=draft.in_reply_to_id, quote_of_id=draft.quote_of_id,
                poll=draft.poll, language=draft.language, application_id=application_id,
                scheduled_id=scheduled_id)
    except SalonError as refused:  # its reply's parent was deleted since, say
        log.warning("scheduled post %s of account %s could not be published: %s",
                    scheduled_id, scheduled.account_id, refused.message)
        await _free_media(session, scheduled_id)
        return None
