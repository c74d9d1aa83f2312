"""What a live event looks like to each listener, made once per audience.

Every listener of one process is handed the same `Event` object, so what one listener
renders is kept on the event (`Event.memo`) for the next: a post reaches all anonymous
listeners as one rendering, however many there are. On the public and hashtag streams,
signed-in listeners share it too, as on Mastodon (whose public streams carry no viewer's
flags): each drops the posts of accounts it blocks, is blocked by or mutes, from a list
kept per viewer for a few seconds, so a post costs no query per listener there. On a
person's own streams each event gets one query that checks visibility, blocks and mutes
together, then the viewer's flags joined to the post's viewer-independent parts that the
process keeps (`rendered.RenderedStatuses`), so no listener builds the status entity
again.

Filters are per viewer. On a person's own streams they go into that rendering (home
context; notifications for notifications): a hide filter drops the event, a warn filter
sets `filtered`. On shared renderings, each signed-in listener's compiled filters (kept per
viewer for a few seconds, like its hidden accounts, then checked against the account's
filters_version) are matched against the text kept with the rendering, and only a listener
whose filter matches gets its own text: the shared one with `"filtered":[...]` appended.
A listener without filters costs nothing more."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import render, rendered
from salon.db.session import Database
from salon.events.bus import Event
from salon.filters import service as filter_service
from salon.filters.matching import Compiled, FilterCache, Matcher
from salon.graph import service as graph
from salon.notifications import service as notifications
from salon.posts import reading
from salon.posts.models import Post
from salon.posts.visibility import visible_to
from salon.timelines.schemas import Cursor

Found = tuple[str, str] | None  # (event name, payload), or None: not for this viewer
# A shared rendering, and what filters match in it: (post id, repost of, the original's
# author, its searchable text).
Subject = tuple[int, int | None, int, str]
Shared = tuple[Found, Subject | None]
T = TypeVar("T")
ANONYMOUS = "anonymous"
PUBLIC_STREAMS = ("public", "hashtag:")  # only public posts are published there
HIDDEN_SECONDS = 5.0  # how long a viewer's blocked and muted accounts are kept
HIDDEN_KEPT = 10_000  # viewers whose lists are kept at most (past it, all are dropped)


class Renderer:
    """Renders events for the listeners of one app (one database, one base address)."""

    def __init__(self, db: Database, kept: rendered.RenderedStatuses) -> None:
        self.db, self.kept = db, kept
        self._hidden: dict[int, tuple[float, frozenset[int]]] = {}
        self._filters: dict[int, tuple[float, Compiled]] = {}
        self._compiled = FilterCache()

    async def __call__(self, event: Event, viewer_id: int | None) -> Found:
        if event.kind == "delete":  # published only to streams that could show the post
            return "delete", str(event.data["post_id"])
        if event.kind == "notification":
            matcher = await self.filters(viewer_id, "notifications")
            async with self.db.sessions() as session:
                return await _notification(session, self.kept.base, viewer_id,
                                           int(event.data["notification_id"]), matcher)
        if event.kind == "conversation":
            return await self._session(_conversation, viewer_id,
                                       int(event.data["conversation_id"]))
        if event.kind == "salon.generation":
            return await self._session(_generation, viewer_id,
                                       int(event.data["generation_id"]))
        if event.kind == "salon.assistant":
            return await self._session(_ask, viewer_id, int(event.data["ask_id"]))
        post_id = int(event.data["post_id"])
        shared = viewer_id is None or (event.stream.startswith(PUBLIC_STREAMS)
                                       and "author_id" in event.data)
        if viewer_id is not None and shared \
                and int(event.data["author_id"]) in await self.hidden(viewer_id):
            return None
        where = "public" if event.stream.startswith(PUBLIC_STREAMS) else "home"
        matcher = await self.filters(viewer_id, where)
        if shared:
            found, subject = await once(event, ANONYMOUS, lambda: self.shared(event, post_id))
            return _filtered(found, subject, matcher)
        return await self.status(event, post_id, viewer_id, matcher)

    async def filters(self, viewer_id: int | None, where: str) -> Matcher | None:
        """The viewer's filters of one context, compiled; re-read at most every
        HIDDEN_SECONDS (one query for the account's version, more only when it moved)."""
        if viewer_id is None:
            return None
        now = time.monotonic()
        kept = self._filters.get(viewer_id)
        if kept is None or kept[0] <= now:
            async with self.db.sessions() as session:
                version = await filter_service.version_of(session, viewer_id)
                compiled = await filter_service.compiled(session, self._compiled, viewer_id,
                                                         version)
            if len(self._filters) >= HIDDEN_KEPT:
                self._filters.clear()
            kept = self._filters[viewer_id] = (now + HIDDEN_SECONDS, compiled)
        return kept[1].context(where)

    async def hidden(self, viewer_id: int) -> frozenset[int]:
        """Accounts whose posts the viewer must not be shown (blocked either way, muted),
        read at most every HIDDEN_SECONDS: a block takes that long to reach public streams,
        whose posts anyone may read anyway."""
        now = time.monotonic()
        kept = self._hidden.get(viewer_id)
        if kept is not None and kept[0] > now:
            return kept[1]
        async with self.db.sessions() as session:
            found = frozenset(await session.scalars(graph.hidden_author_ids(viewer_id)))
        if len(self._hidden) >= HIDDEN_KEPT:
            self._hidden.clear()
        self._hidden[viewer_id] = (now + HIDDEN_SECONDS, found)
        return found

    async def _session(self, make: Callable[[AsyncSession, str, int | None, int],
                                            Awaitable[Found]],
                       viewer_id: int | None, row_id: int) -> Found:
        async with self.db.sessions() as session:
            return await make(session, self.kept.base, viewer_id, row_id)

    async def shared(self, event: Event, post_id: int) -> Shared:
        """The rendering anonymous listeners get, and what filters match in it."""
        async with self.db.sessions() as session:
            post = await session.scalar(select(Post).where(Post.id == post_id,
                                                           visible_to(None)))
            if post is None:
                return None, None
            subjects: dict[int, tuple[int, str]] = {}
            texts = await rendered.statuses(session, self.kept, [post], None,
                                            subjects=subjects)
        if not texts:
            return None, None
        author, text = subjects.get(post.id, (post.account_id, ""))
        return (event.kind, texts[0]), (post.id, post.reblog_of_id, author, text)

    async def status(self, event: Event, post_id: int, viewer_id: int | None,
                     matcher: Matcher | None = None) -> Found:
        query = select(Post).where(Post.id == post_id, visible_to(viewer_id))
        # Blocks and mutes hide an author from every stream but the viewer's home, where
        # fan-out already left them out.
        if viewer_id is not None and event.stream != f"user:{viewer_id}":
            query = query.where(Post.account_id.not_in(graph.hidden_author_ids(viewer_id)))
        async with self.db.sessions() as session:
            post = await session.scalar(query)
            if post is None:
                return None
            texts = await rendered.statuses(session, self.kept, [post], viewer_id,
                                            filters=matcher)
        return (event.kind, texts[0]) if texts else None


def _filtered(found: Found, subject: Subject | None, matcher: Matcher | None) -> Found:
    """A shared rendering for one listener: dropped where a hide filter of theirs matches
    it, `filtered` appended where another does, else the shared text itself."""
    if found is None or subject is None or matcher is None:
        return found
    verdict = matcher.check(*subject)
    if verdict.hide:
        return None
    if not verdict.results:
        return found
    return found[0], found[1][:-1] + ',"filtered":' + verdict.json + "}"


async def once(event: Event, audience: str,
               make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """What `make` renders for this audience, made by the first listener of the event; the
    others wait for that same task (shielded: one listener leaving cancels it for none)."""
    loop = asyncio.get_running_loop()
    kept = event.memo.get(audience)
    if kept is None or kept[0] is not loop:  # a task belongs to its loop (tests run several)
        kept = event.memo[audience] = (loop, loop.create_task(make()))
    found: T = await asyncio.shield(kept[1])
    return found


async def _generation(session: AsyncSession, base: str, viewer_id: int | None,
                      generation_id: int) -> Found:
    """Progress and completion of the viewer's own generations (published to their stream
    only; checked again here all the same)."""
    from salon.api.mastodon.generations import rendered as rendered_generations
    from salon.generation.models import Generation

    made = await session.get(Generation, generation_id)
    if made is None or viewer_id is None or made.account_id != viewer_id:
        return None
    return "salon.generation", json.dumps((await rendered_generations(session, [made], base))[0])


async def _ask(session: AsyncSession, base: str, viewer_id: int | None, ask_id: int
               ) -> Found:
    """The assistant thinking, drawing or done with the viewer's own question (published to
    the asker's stream only; checked again here all the same)."""
    from salon.assistant.models import Ask

    ask = await session.get(Ask, ask_id)
    if ask is None or viewer_id is None or ask.asker_id != viewer_id:
        return None
    return "salon.assistant", json.dumps(rendered_ask(ask))


def rendered_ask(ask: Any) -> dict[str, Any]:
    """An ask as the API shows it to its asker (ids as strings, as Mastodon's)."""
    def text(value: int | None) -> str | None:
        return str(value) if value is not None else None

    return {"id": str(ask.id), "kind": ask.kind, "state": ask.state,
            "question_id": text(ask.question_post_id), "target_id": text(ask.target_post_id),
            "answer_id": text(ask.answer_post_id),
            "generation_id": text(ask.generation_id)}


async def _conversation(session: AsyncSession, base: str, viewer_id: int | None,
                        conversation_id: int) -> Found:
    """A conversation as its participant sees it (published to their stream only; checked
    again here all the same, the last post's visibility too)."""
    from salon.api.mastodon.conversations import rendered as rendered_conversations
    from salon.errors import NotFound
    from salon.posts import conversations

    if viewer_id is None:
        return None
    try:
        row = await conversations.get_own(session, viewer_id, conversation_id)
    except NotFound:
        return None
    if row[1] is None:
        return None
    return "conversation", json.dumps(
        (await rendered_conversations(session, [row], base, viewer_id))[0])


async def _notification(session: AsyncSession, base: str, viewer_id: int | None,
                        notification_id: int, matcher: Matcher | None = None) -> Found:
    if viewer_id is None:
        return None
    page = await notifications.page(session, viewer_id,
                                    Cursor(max_id=notification_id + 1, limit=1))
    if not page.items or page.items[0].id != notification_id:
        return None
    note = page.items[0]
    mentions = await reading.mentioned_accounts(session, [note.post.id] if note.post else [])
    body = render.notifications([note], base, mentions, matcher)
    return ("notification", json.dumps(body[0])) if body else None
