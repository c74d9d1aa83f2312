"""Grouped notifications (Mastodon 4.3's API v2): likes and reposts of one post, and follows,
made within a few hours of each other share a group key, given when the notification is made;
every other notification is a group of its own (`ungrouped-<id>`), which is also what a type
unknown here (follow_request, admin.*) becomes, so new types just work.

A page holds up to `limit` groups: notifications are read newest first, skipping those of a
group already on the page, as Mastodon's paginate_groups does; each group then tells its
count, newest notification and sample accounts among the notifications up to the page's
newest, and the ids of those within the page (page_min_id, page_max_id)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, String, case, cast, delete, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import utcnow
from salon.notifications.models import Notification
from salon.notifications.queries import Filters, shown
from salon.timelines.schemas import Cursor

GROUPABLE = frozenset({"favourite", "reblog", "follow", "admin.sign_up"})
BY_POST = frozenset({"favourite", "reblog"})
SPAN_HOURS = 12  # a group takes in notifications for this long after its first
SAMPLE = 8  # sample_account_ids, as Mastodon's
UNGROUPED = "ungrouped-"
MAX_ID = 2**63 - 1
_ROUNDS = 8  # reads of a page at most (each finds at least one new group)


async def key_for(session: AsyncSession, account_id: int, type: str, post_id: int | None,
                  now: datetime | None = None) -> str | None:
    """The group key of a new notification: `<type>[-<post>]-<hour>`, the hour its group
    began (that of the last one like it, if within SPAN_HOURS). None: not grouped."""
    if type not in GROUPABLE or (type in BY_POST) != (post_id is not None):
        return None
    prefix = f"{type}-{post_id}" if post_id is not None else type
    hour = int((now or utcnow()).timestamp()) // 3600
    previous = await session.scalar(
        select(Notification.group_key)
        .where(Notification.account_id == account_id, Notification.type == type,
               Notification.post_id == post_id if post_id is not None
               else Notification.post_id.is_(None),
               Notification.group_key.is_not(None))
        .order_by(Notification.id.desc()).limit(1))
    if previous is not None:
        began = previous.rsplit("-", 1)[-1]
        if began.isdigit() and hour < int(began) + SPAN_HOURS:
            hour = int(began)
    return f"{prefix}-{hour}"


def effective_key(note: Notification, grouped_types: Collection[str]) -> str:
    """Its group key where its type may be grouped (as the client asked), else its own."""
    if note.group_key and note.type in grouped_types:
        return note.group_key
    return f"{UNGROUPED}{note.id}"


@dataclass
class Group:
    key: str
    type: str
    newest: Notification  # the most recent of the group (up to the page's newest)
    count: int = 1
    sample_account_ids: list[int] = field(default_factory=list)
    page_min_id: int = 0
    page_max_id: int = 0

    @property
    def post_id(self) -> int | None:
        return self.newest.post_id

    @property
    def latest_at(self) -> datetime:
        return self.newest.created_at


@dataclass
class GroupPage:
    groups: list[Group]
    next_max_id: int | None = None
    prev_min_id: int | None = None


async def page(session: AsyncSession, account_id: int, cursor: Cursor, filters: Filters,
               grouped_types: Collection[str]) -> GroupPage:
    """Up to cursor.limit groups, newest first (min_id: those just above it)."""
    conditions = shown(account_id, filters)
    grouped = sorted(set(grouped_types) & GROUPABLE)
    found: dict[str, list[Notification]] = {}
    consumed: list[Notification] = []
    edge = cursor.min_id if cursor.ascending else cursor.max_id
    for _ in range(_ROUNDS):
        need = cursor.limit - len(found)
        stmt = select(Notification).where(*conditions)
        known = [k for k in found if not k.startswith(UNGROUPED)]
        if known:  # skip the rest of the groups already on the page
            stmt = stmt.where(or_(Notification.group_key.is_(None),
                                  Notification.type.not_in(grouped),
                                  Notification.group_key.not_in(known)))
        step = Cursor(since_id=cursor.since_id)
        if cursor.ascending:
            step.min_id = edge
        else:
            step.max_id = edge
        step.limit = need * 2
        rows = list(await session.scalars(step.apply(stmt, Notification.id)))
        full = False
        for note in rows:
            key = effective_key(note, grouped)
            if key not in found:
                if len(found) >= cursor.limit:
                    full = True
                    break
                found[key] = []
            found[key].append(note)
            consumed.append(note)
            edge = note.id
        if full or len(rows) < step.limit or len(found) >= cursor.limit:
            break
    if not consumed:
        return GroupPage([], None, cursor.min_id or cursor.since_id)
    low = min(n.id for n in consumed)
    high = max(n.id for n in consumed)
    groups = await _describe(session, conditions, found, low, high)
    groups.sort(key=lambda g: g.page_max_id, reverse=True)
    more = len(found) >= cursor.limit or cursor.ascending
    return GroupPage(groups, low if more else None, high)


async def _describe(session: AsyncSession, conditions: list[ColumnElement[bool]],
                    found: dict[str, list[Notification]], low: int, high: int) -> list[Group]:
    """Each group's count, newest and sample accounts among its notifications up to `high`,
    and its ids within [low, high]: one query for all the page's real groups."""
    groups: dict[str, Group] = {}
    for key, notes in found.items():
        if key.startswith(UNGROUPED):
            note = notes[0]
            groups[key] = Group(key, note.type, note, 1, [note.from_account_id], note.id,
                                note.id)
    keys = [k for k in found if not k.startswith(UNGROUPED)]
    if keys:
        rank = func.row_number().over(partition_by=Notification.group_key,
                                      order_by=Notification.id.desc()).label("rank")
        count = func.count().over(partition_by=Notification.group_key).label("total")
        lowest = func.min(case((Notification.id >= low, Notification.id))).over(
            partition_by=Notification.group_key).label("lowest")
        ranked = (select(Notification.id, rank, count, lowest)
                  .where(*conditions, Notification.group_key.in_(keys),
                         Notification.id <= high)
                  .subquery())
        rows = (await session.execute(
            select(Notification, ranked.c.rank, ranked.c.total, ranked.c.lowest)
            .join(ranked, ranked.c.id == Notification.id)
            .where(ranked.c.rank <= SAMPLE)
            .order_by(Notification.id.desc()))).all()
        for note, place, total, lowest_id in rows:
            key = note.group_key or ""
            if place == 1:
                groups[key] = Group(key, note.type, note, int(total), [],
                                    int(lowest_id or note.id), note.id)
            group = groups.get(key)
            if group is not None and note.from_account_id not in group.sample_account_ids:
                group.sample_account_ids.append(note.from_account_id)
    return list(groups.values())


def _keyed(group_key: str) -> ColumnElement[bool] | None:
    """The condition for a group's notifications; None: no key names any."""
    if not group_key.startswith(UNGROUPED):
        return Notification.group_key == group_key
    wanted = group_key[len(UNGROUPED):]
    if not (wanted.isascii() and wanted.isdigit() and int(wanted or 0) <= MAX_ID):
        return None
    return Notification.id == int(wanted)


async def members(session: AsyncSession, account_id: int, group_key: str, cursor: Cursor,
                  filters: Filters | None = None) -> list[Notification]:
    """A page of the notifications of one group (an `ungrouped-<id>` one too), newest first
    (min_id: oldest first)."""
    keyed = _keyed(group_key)
    if keyed is None:
        return []
    stmt = select(Notification).where(*shown(account_id, filters), keyed)
    return list(await session.scalars(cursor.apply(stmt, Notification.id)))


async def one(session: AsyncSession, account_id: int, group_key: str) -> Group | None:
    """One group, as the list would show it (any `ungrouped-<id>` names its notification)."""
    keyed = _keyed(group_key)
    if keyed is None:
        return None
    conditions = shown(account_id)
    newest = await session.scalar(select(Notification).where(*conditions, keyed)
                                  .order_by(Notification.id.desc()).limit(1))
    if newest is None:
        return None
    found = await _describe(session, conditions, {group_key: [newest]}, 0, MAX_ID)
    return found[0] if found else None


async def dismiss(session: AsyncSession, account_id: int, group_key: str) -> None:
    keyed = _keyed(group_key)
    if keyed is not None:
        await session.execute(delete(Notification).where(
            Notification.account_id == account_id, keyed))


async def unread_count(session: AsyncSession, account_id: int, after: int, filters: Filters,
                       grouped_types: Collection[str], cap: int) -> int:
    """Groups with a notification newer than `after` (the marker), counted up to `cap`."""
    grouped = sorted(set(grouped_types) & GROUPABLE)
    own = literal(UNGROUPED) + cast(Notification.id, String)
    key = case((Notification.type.in_(grouped) & Notification.group_key.is_not(None),
                Notification.group_key), else_=own) if grouped else own
    keys = (select(key.label("key")).distinct()
            .where(*shown(account_id, filters), Notification.id > after)
            .limit(cap).subquery())
    return int(await session.scalar(select(func.count()).select_from(keys)) or 0)
