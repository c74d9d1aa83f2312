"""What can be done with a person's filters: list, create, change and delete them, their
keywords and their posts; and compile the active ones for matching (matching.py).

Every change moves the owner's `accounts.filters_version`, which is how a process knows its
compiled filters for that account are stale. Another account's filter, keyword or post is
not found, as a missing one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.errors import Invalid, NotFound
from salon.filters.matching import Compiled, FilterCache, compile_rule
from salon.filters.models import ACTIONS, CONTEXTS, Filter, FilterKeyword, FilterStatus
from salon.posts import service as posts

MAX_KEYWORDS = 100  # per filter
MAX_FILTERS = 100  # per account


@dataclass
class KeywordChange:
    """One of Mastodon's keywords_attributes: a new keyword (no id), a change, or a removal."""

    id: int | None = None
    keyword: str | None = None
    whole_word: bool | None = None
    destroy: bool = False


@dataclass
class FilterView:
    filter: Filter
    keywords: list[FilterKeyword] = field(default_factory=list)
    statuses: list[FilterStatus] = field(default_factory=list)


class Keep:
    """A field left as it is (PUT without it)."""


KEEP = Keep()


async def _bump(session: AsyncSession, account_id: int) -> None:
    await session.execute(update(Account).where(Account.id == account_id)
                          .values(filters_version=Account.filters_version + 1))


def _expiry(expires_in: int | None) -> datetime | None:
    return None if expires_in is None else utcnow() + timedelta(seconds=expires_in)


def _check(title: str | None, contexts: Sequence[str] | None, action: str | None) -> None:
    if title is not None and not title.strip():
        raise Invalid("title can't be blank")
    if contexts is not None:
        if not contexts:
            raise Invalid("context can't be blank")
        if unknown := [c for c in contexts if c not in CONTEXTS]:
            raise Invalid(f"context must be among {', '.join(CONTEXTS)} (not {unknown[0]})")
    if action is not None and action not in ACTIONS:
        raise Invalid(f"filter_action must be one of {', '.join(ACTIONS)}")


async def list_filters(session: AsyncSession, account_id: int) -> list[FilterView]:
    rows = list(await session.scalars(
        select(Filter).where(Filter.account_id == account_id).order_by(Filter.id)))
    return await _views(session, rows)


async def _views(session: AsyncSession, rows: Sequence[Filter]) -> list[FilterView]:
    views = {f.id: FilterView(f) for f in rows}
    if views:
        for keyword in await session.scalars(select(FilterKeyword).where(
                FilterKeyword.filter_id.in_(views)).order_by(FilterKeyword.id)):
            views[keyword.filter_id].keywords.append(keyword)
        for status in await session.scalars(select(FilterStatus).where(
                FilterStatus.filter_id.in_(views)).order_by(FilterStatus.id)):
            views[status.filter_id].statuses.append(status)
    return list(views.values())


async def owned(session: AsyncSession, account_id: int, filter_id: int) -> Filter:
    found = await session.get(Filter, filter_id)
    if found is None or found.account_id != account_id:
        raise NotFound("Record not found")
    return found


async def get(session: AsyncSession, account_id: int, filter_id: int) -> FilterView:
    return (await _views(session, [await owned(session, account_id, filter_id)]))[0]


async def create(session: AsyncSession, account_id: int, title: str, contexts: Sequence[str],
                 action: str = "warn", expires_in: int | None = None,
                 keywords: Sequence[KeywordChange] = ()) -> FilterView:
    _check(title, contexts, action)
    count = len(list(await session.scalars(
        select(Filter.id).where(Filter.account_id == account_id).limit(MAX_FILTERS))))
    if count >= MAX_FILTERS:
        raise Invalid(f"At most {MAX_FILTERS} filters: delete one first.")
    made = Filter(account_id=account_id, title=title.strip(), context=",".join(dict.fromkeys(
        contexts)), action=action, expires_at=_expiry(expires_in))
    session.add(made)
    await session.flush()
    await _change_keywords(session, made, keywords)
    await _bump(session, account_id)
    return await get(session, account_id, made.id)


async def change(session: AsyncSession, account_id: int, filter_id: int, *,
                 title: str | None = None, contexts: Sequence[str] | None = None,
                 action: str | None = None, expires_in: int | None | Keep = KEEP,
                 keywords: Sequence[KeywordChange] = ()) -> FilterView:
    found = await owned(session, account_id, filter_id)
    _check(title, contexts, action)
    if title is not None:
        found.title = title.strip()
    if contexts is not None:
        found.context = ",".join(dict.fromkeys(contexts))
    if action is not None:
        found.action = action
    if not isinstance(expires_in, Keep):
        found.expires_at = _expiry(expires_in)
    await _change_keywords(session, found, keywords)
    await _bump(session, account_id)
    await session.flush()
    return await get(session, account_id, filter_id)


async def _change_keywords(session: AsyncSession, owner: Filter,
                           changes: Sequence[KeywordChange]) -> None:
    asked = [item.id for item in changes if item.id is not None]
    existing = {k.id: k for k in await session.scalars(
        select(FilterKeyword).where(FilterKeyword.id.in_(asked)))} if asked else {}
    for item in changes:
        if item.id is not None:
            keyword = existing.get(item.id)
            if keyword is None or keyword.filter_id != owner.id:
                raise NotFound("Record not found")
            if item.destroy:
                await session.delete(keyword)
                continue
            if item.keyword is not None:
                keyword.keyword = _keyword(item.keyword)
            if item.whole_word is not None:
                keyword.whole_word = item.whole_word
        elif not item.destroy:
            session.add(FilterKeyword(filter_id=owner.id, keyword=_keyword(item.keyword or ""),
                                      whole_word=True if item.whole_word is None
                                      else item.whole_word))
    await session.flush()
    total = len(list(await session.scalars(select(FilterKeyword.id).where(
        FilterKeyword.filter_id == owner.id).limit(MAX_KEYWORDS + 1))))
    if total > MAX_KEYWORDS:
        raise Invalid(f"At most {MAX_KEYWORDS} keywords in a filter.")


def _keyword(text: str) -> str:
    if not text.strip():
        raise Invalid("keyword can't be blank")
    return text.strip()


async def remove(session: AsyncSession, account_id: int, filter_id: int) -> None:
    found = await owned(session, account_id, filter_id)
    await session.execute(delete(FilterKeyword).where(FilterKeyword.filter_id == found.id))
    await session.execute(delete(FilterStatus).where(FilterStatus.filter_id == found.id))
    await session.delete(found)
    await _bump(session, account_id)
    await session.flush()


# Keywords and posts of a filter, one at a time.

async def add_keyword(session: AsyncSession, account_id: int, filter_id: int, keyword: str,
                      whole_word: bool) -> FilterKeyword:
    owner = await owned(session, account_id, filter_id)
    await _change_keywords(session, owner, [KeywordChange(keyword=keyword,
                                                          whole_word=whole_word)])
    await _bump(session, account_id)
    made = await session.scalar(select(FilterKeyword).where(
        FilterKeyword.filter_id == owner.id).order_by(FilterKeyword.id.desc()).limit(1))
    assert made is not None
    return made


async def keyword(session: AsyncSession, account_id: int, keyword_id: int) -> FilterKeyword:
    found = await session.get(FilterKeyword, keyword_id)
    if found is None:
        raise NotFound("Record not found")
    await owned(session, account_id, found.filter_id)
    return found


async def change_keyword(session: AsyncSession, account_id: int, keyword_id: int,
                         text: str | None, whole_word: bool | None) -> FilterKeyword:
    found = await keyword(session, account_id, keyword_id)
    if text is not None:
        found.keyword = _keyword(text)
    if whole_word is not None:
        found.whole_word = whole_word
    await _bump(session, account_id)
    await session.flush()
    return found


async def remove_keyword(session: AsyncSession, account_id: int, keyword_id: int) -> None:
    await session.delete(await keyword(session, account_id, keyword_id))
    await _bump(session, account_id)
    await session.flush()


async def add_status(session: AsyncSession, account_id: int, filter_id: int,
                     post_id: int) -> FilterStatus:
    owner = await owned(session, account_id, filter_id)
    await posts.get_visible(session, post_id, account_id)  # 404 for what one cannot see
    found = await session.scalar(select(FilterStatus).where(
        FilterStatus.filter_id == owner.id, FilterStatus.post_id == post_id))
    if found is not None:
        raise Invalid("status_id has already been taken")
    made = FilterStatus(filter_id=owner.id, post_id=post_id)
    session.add(made)
    await _bump(session, account_id)
    await session.flush()
    return made


async def status(session: AsyncSession, account_id: int, status_id: int) -> FilterStatus:
    found = await session.get(FilterStatus, status_id)
    if found is None:
        raise NotFound("Record not found")
    await owned(session, account_id, found.filter_id)
    return found


async def remove_status(session: AsyncSession, account_id: int, status_id: int) -> None:
    await session.delete(await status(session, account_id, status_id))
    await _bump(session, account_id)
    await session.flush()


# Matching.

def _timestamp(at: datetime) -> str:
    """Mastodon's Datetime: UTC, milliseconds, "Z"."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def filter_entity(row: Filter, keywords: Sequence[FilterKeyword] | None = None,
                  statuses: Sequence[FilterStatus] | None = None) -> dict[str, object]:
    """Mastodon's Filter entity; without keywords and statuses as FilterResult names it."""
    body: dict[str, object] = {
        "id": str(row.id), "title": row.title, "context": row.contexts,
        "expires_at": None if row.expires_at is None else _timestamp(row.expires_at),
        "filter_action": row.action,
    }
    if keywords is not None:
        body["keywords"] = [{"id": str(k.id), "keyword": k.keyword, "whole_word": k.whole_word}
                            for k in keywords]
    if statuses is not None:
        body["statuses"] = [{"id": str(s.id), "status_id": str(s.post_id)} for s in statuses]
    return body


async def compiled(session: AsyncSession, cache: FilterCache, account_id: int,
                   version: int) -> Compiled:
    """The account's active filters, compiled; no query while the version is unchanged."""
    if version == 0:
        return Compiled(account_id, ())
    kept = cache.get(account_id, version)
    if kept is not None:
        return kept
    rows = list(await session.scalars(select(Filter).where(
        Filter.account_id == account_id,
        or_(Filter.expires_at.is_(None), Filter.expires_at > utcnow()))))
    views = await _views(session, rows)
    made = Compiled(account_id, [
        compile_rule(filter_entity(v.filter), v.filter.contexts, v.filter.action,
                     v.filter.expires_at, [(k.keyword, k.whole_word) for k in v.keywords],
                     [s.post_id for s in v.statuses])
        for v in views])
    cache.keep(account_id, version, made)
    return made


async def version_of(session: AsyncSession, account_id: int) -> int:
    found = await session.scalar(select(Account.filters_version).where(Account.id == account_id))
    return found or 0
