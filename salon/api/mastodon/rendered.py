"""Pages of statuses from rendered parts kept per process (the API's timelines).

Each post's viewer-independent JSON, and each account's, is made once and kept with the row
it was made from; it is reused only while the row read for this page is still equal, so
nothing stale is served and no process has to tell another to forget anything. Whatever
shows with a post outside its row moves the post's `revision` (an attached picture's alt
text or file), and polls, which change with every vote, are read per page. What depends on
the viewer (favourited, reblogged, bookmarked, pinned, poll votes, which reposted and quoted
originals and remix sources the viewer may see) is added for each page, and so is
`filtered`: each kept part holds the text the viewer's filters match (salon/filters), and a
post a hide filter matches is left out.

A page then costs the queries that find its posts, their authors and the viewer's flags,
and no entity building: the JSON text is joined, never parsed or dumped again.
`tests/api/mastodon/test_rendered.py` holds it equal to `entities.status`.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.api.mastodon import entities
from salon.api.mastodon.entities.statuses import PINNABLE
from salon.filters.matching import Matcher, searchable_text
from salon.generation import posting as generated
from salon.media import service as media
from salon.posts import reading
from salon.posts.models import Post
from salon.posts.schemas import PollView, PostView

# Keys the parts leave out: each page adds them for its viewer.
_PER_VIEWER = ("account", "reblog", "poll", "quote", "salon")


def to_json(value: Any) -> str:
    """JSON as the API's responses write it (Starlette's JSONResponse settings)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _row_reader(model: type[Any]) -> Callable[[Any], tuple[Any, ...] | None]:
    """The loaded column values of a row object, read from its __dict__ (the ORM's
    attribute descriptors cost more than the rest of a kept page); None if any is not
    loaded (expired), which reads as not kept."""
    values = itemgetter(*(attr.key for attr in inspect(model).column_attrs))

    def read(row: Any) -> tuple[Any, ...] | None:
        try:
            found: tuple[Any, ...] = values(row.__dict__)
        except KeyError:
            return None
        return found

    return read


_post_row = _row_reader(Post)
_account_row = _row_reader(Account)


@dataclass(frozen=True, slots=True)
class Part:
    """A post's status JSON without its braces and the per-viewer keys."""

    body: str
    salon: str | None  # the `salon` object without its braces and `remix_of`; None on reposts
    has_poll: bool
    searchable: str  # what filters' keywords are matched against
    # Made while its author was the assistant (its `salon` says "AI"): an author's row is
    # not the post's, so this is checked against the page's author before reuse.
    by_assistant: bool = False


class RenderedStatuses:
    """Rendered posts and accounts of one site (one base address), least recently used
    forgotten first."""

    def __init__(self, base: str, size: int) -> None:
        self.base = base
        self.size = size
        self._posts: OrderedDict[int, tuple[tuple[Any, ...], Part]] = OrderedDict()
        self._accounts: OrderedDict[int, tuple[tuple[Any, ...], str]] = OrderedDict()

    def part(self, post: Post, author: Account | None = None) -> Part | None:
        kept = self._posts.get(post.id)
        if kept is None or kept[0] != _post_row(post):
            return None
        if author is not None and kept[1].by_assistant != author.is_assistant:
            return None
        self._posts.move_to_end(post.id)
        return kept[1]

    def keep(self, post: Post, part: Part) -> None:
        if (row := _post_row(post)) is not None:
            _keep(self._posts, self.size, post.id, row, part)

    def account(self, acc: Account) -> str:
        row = _account_row(acc)
        kept = self._accounts.get(acc.id)
        if row is not None and kept is not None and kept[0] == row:
            self._accounts.move_to_end(acc.id)
            return kept[1]
        made = to_json(entities.account(acc, self.base).model_dump(mode="json"))
        if row is not None and media.stable(acc.avatar_key, acc.header_key):
            _keep(self._accounts, self.size, acc.id, row, made)
        return made


def _keep(kept: OrderedDict[int, tuple[tuple[Any, ...], Any]], size: int, key: int,
          row: tuple[Any, ...], value: Any) -> None:
    kept[key] = (row, value)
    kept.move_to_end(key)
    while len(kept) > size:
        kept.popitem(last=False)


async def _render_parts(
    session: AsyncSession,
    cache: RenderedStatuses,
    missing: list[Post],
    everything: dict[int, Post],
    authors: dict[int, Account],
    polls: dict[int, PollView],
) -> dict[int, Part]:
    """Render the posts not kept yet (as an anonymous reader sees them) and keep them."""
    made: dict[int, Part] = {}
    ids = [p.id for p in missing]
    media_by_post = await media.for_posts(session, ids)
    recipes = await generated.for_posts(session, missing)
    mentions = await reading.mentioned_accounts(session, ids)
    apps = await reading.applications(session, missing)
    for post in missing:
        author = authors.get(post.account_id)
        original = everything.get(post.reblog_of_id or 0)
        if author is None or (post.reblog_of_id and original is None):
            continue  # not shown on this page: nothing to keep
        view = PostView(post=post, author=author, media=media_by_post.get(post.id, []),
                        application=apps.get(post.application_id or 0))
        if original is not None:
            original_author = authors.get(original.account_id)
            if original_author is None:
                continue
            view.reblog = PostView(post=original, author=original_author)  # left out below
        if (recipe := recipes.get(post.id)) is not None:
            view.made_with, view.ai_generated = recipe.engine, recipe.ai_generated
            view.recipe, view.recipes = recipe.recipe, recipe.pictures
        status = entities.status(view, cache.base, None, mentions=mentions).model_dump(mode="json")
        salon = status.get("salon")
        for key in _PER_VIEWER:
            status.pop(key, None)
        if salon is not None:
            salon.pop("remix_of")
        made[post.id] = Part(
            body=to_json(status)[1:-1],
            salon=to_json(salon)[1:-1] if salon is not None else None,
            has_poll=post.id in polls,
            searchable=searchable_text(
                post.spoiler_text, post.text,
                [o.title for o in polls[post.id].options] if post.id in polls else (),
                [m.description for m in view.media]),
            by_assistant=author.is_assistant,
        )
        if media.stable(*(k for m in view.media for k in (m.file_key, m.thumb_key))):
            cache.keep(post, made[post.id])  # signed addresses expire: made again each time
    return made


class _Page:
    """What one page needs to join its statuses for its viewer."""

    def __init__(self, cache: RenderedStatuses, viewer_id: int | None,
                 hidden: Collection[int], filters: Matcher | None = None,
                 extras: Mapping[int, str] | None = None) -> None:
        self.cache, self.viewer_id, self.hidden = cache, viewer_id, hidden
        self.filters = filters
        self.extras = extras or {}
        self.linked: dict[int, Post] = {}
        self.parts: dict[int, Part | None] = {}
        self.authors: dict[int, Account] = {}
        self.sources: set[int] = set()
        self.polls: dict[int, PollView] = {}
        self.liked = self.bookmarked = self.pinned = self.reposted = set[int]()
        self.muted = set[int]()

    def _flags(self, post: Post, filtered: str) -> str:
        def word(flag: bool) -> str:
            return "true" if flag else "false"

        pid = post.id
        text = (f',"favourited":{word(pid in self.liked)},'
                f'"reblogged":{word(pid in self.reposted)},"muted":{word(pid in self.muted)},'
                f'"bookmarked":{word(pid in self.bookmarked)},"filtered":{filtered}')
        if (self.viewer_id == post.account_id and post.reblog_of_id is None
                and post.visibility in PINNABLE):
            text += f',"pinned":{word(pid in self.pinned)}'
        return text

    def _filtered(self, post: Post) -> str | None:
        """The post's `filtered` JSON for the viewer (a repost: its original's), or None
        where a hide filter matches it."""
        if self.filters is None:
            return "[]"
        proper = self.linked.get(post.reblog_of_id) if post.reblog_of_id else post
        part = self.parts.get(proper.id) if proper is not None else None
        if proper is None or part is None:
            return "[]"
        verdict = self.filters.check(post.id, post.reblog_of_id, proper.account_id,
                                     part.searchable)
        return None if verdict.hide else verdict.json

    def status(self, post: Post, depth: int = 0, shallow: bool = False,
               filtered: str = "[]") -> str | None:
        """A post's status JSON, or None where `reading.present` drops it (or a hide
        filter of the viewer's matches it)."""
        author = self.authors.get(post.account_id)
        part = self.parts.get(post.id)
        if author is None or part is None:
            return None
        if depth == 0 and post.reblog_of_id is None and author.id in self.hidden:
            return None
        if depth == 0:
            found = self._filtered(post)
            if found is None:
                return None
            filtered = found
        text = ["{", part.body, ',"account":', self.cache.account(author)]
        if self.viewer_id is not None:
            text.append(self._flags(post, filtered))
        if post.reblog_of_id is not None:
            original = self.linked.get(post.reblog_of_id)
            if depth != 0 or original is None or original.account_id in self.hidden:
                return None
            inner = self.status(original, depth + 1, filtered=filtered)
            if inner is None:
                return None
            text += [',"reblog":', inner, ',"poll":null,"quote":null}']
            return "".join(text)
        poll = self.polls.get(post.id)
        text += [',"reblog":null,"poll":', "null" if poll is None else to_json(
            entities.poll(poll, self.viewer_id, post.account_id).model_dump(mode="json"))]
        text += [',"quote":', self._quote(post, depth, shallow)]
        if part.salon is not None:
            source = post.remix_of_id if post.remix_of_id in self.sources else None
            text += [',"salon":{', part.salon, ',"remix_of":',
                     "null" if source is None else f'"{source}"']
            if depth == 0 and (extra := self.extras.get(post.id)) is not None:
                text += [",", extra]
            text.append("}")
        text.append("}")
        return "".join(text)

    def _quote(self, post: Post, depth: int, shallow: bool) -> str:
        if post.quote_of_id is None:
            return "null"
        quoted = self.linked.get(post.quote_of_id) if depth < 2 else None
        inner = self.status(quoted, depth + 1, shallow=True) if quoted is not None else None
        if shallow:
            if inner is None:
                return '{"state":"unauthorized","quoted_status_id":null}'
            return f'{{"state":"accepted","quoted_status_id":"{post.quote_of_id}"}}'
        if inner is None:
            return '{"state":"unauthorized","quoted_status":null}'
        return '{"state":"accepted","quoted_status":' + inner + "}"


async def statuses(
    session: AsyncSession,
    cache: RenderedStatuses,
    posts: Sequence[Post],
    viewer_id: int | None,
    hidden: Collection[int] = (),
    filters: Matcher | None = None,
    subjects: dict[int, tuple[int, str]] | None = None,
    extras: Mapping[int, str] | None = None,
) -> list[str]:
    """Status JSON texts for a page of posts, in order, dropping what `reading.present`
    drops and what the viewer's hide `filters` (of the page's context) match; a
    `reading.Presenter` once bound to its cache (see `presenter`). `extras` are keys to add
    inside a post's `salon` object, by post id, as JSON text (`"key":value`, For You's
    reason): the page's own posts only, not reposted or quoted ones."""
    if not posts:
        return []
    page = _Page(cache, viewer_id, hidden, filters if viewer_id is not None else None,
                 extras)
    page.linked = await reading.linked(session, posts, viewer_id)
    everything = {p.id: p for p in posts} | page.linked
    page.authors = await accounts.get_many(session, {p.account_id for p in everything.values()})
    remixed = {p.remix_of_id for p in everything.values() if p.remix_of_id}
    if remixed:
        page.sources = set(await reading.visible(session, remixed, viewer_id))
    page.parts = {p.id: cache.part(p, page.authors.get(p.account_id))
                  for p in everything.values()}
    missing = [p for p in everything.values() if page.parts[p.id] is None]
    # Polls change with every vote: read for each page, for the posts known to have one.
    wanted = [i for i, part in page.parts.items() if part is None or part.has_poll]
    if wanted:
        page.polls = await reading.polls(session, wanted, viewer_id)
    if missing:
        page.parts.update(await _render_parts(session, cache, missing, everything,
                                              page.authors, page.polls))
    if viewer_id is not None:
        (page.liked, page.bookmarked, page.pinned, page.reposted,
         page.muted) = await reading.flags(
            session, list(everything), viewer_id)
    if subjects is not None:  # what filters match, for a caller that matches them itself
        for p in posts:
            proper = page.linked.get(p.reblog_of_id) if p.reblog_of_id else p
            if proper is not None and (part := page.parts.get(proper.id)) is not None:
                subjects[p.id] = (proper.account_id, part.searchable)
    return [text for p in posts if (text := page.status(p)) is not None]


def presenter(cache: RenderedStatuses, filters: Matcher | None = None,
              extras: Mapping[int, str] | None = None) -> reading.Presenter[str]:
    async def present(session: AsyncSession, posts: Sequence[Post], viewer_id: int | None,
                      hidden: Collection[int]) -> list[str]:
        return await statuses(session, cache, posts, viewer_id, hidden, filters,
                              extras=extras)

    return present
