"""How posts match a person's filters, as Mastodon matches them.

A viewer's active filters are compiled once (`Compiled`): each filter's keywords into one
case-insensitive pattern (whole-word keywords bounded by `\\b` where they start or end with
a word character, as Mastodon's CustomFilterKeyword#to_regex), and all keywords of all
filters into one more pattern that rejects most posts with a single search. A process keeps
each viewer's compiled filters with the account's `filters_version` they were made from
(`FilterCache`), so a request whose account row says nothing changed reads no filter rows;
an account that never had a filter (version 0) costs nothing at all.

Per page, `Compiled.context(name)` gives the `Matcher` for one context (home, public,
thread, account, notifications; None: all of them, as a single status is answered) with
the filters expired by now left out. `Matcher.check` says which filters a post matches
(keywords against its spoiler text, text, poll options and picture descriptions; posts by
id), as the `filtered` list of FilterResult JSON, and whether one of them hides it. A
viewer's own posts are never filtered, as on Mastodon.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from salon.db.ids import utcnow
from salon.posts.schemas import PostView

KEPT = 10_000  # viewers whose compiled filters a process keeps (past it, all are dropped)


def keyword_pattern(keyword: str, whole_word: bool) -> str:
    escaped = re.escape(keyword)
    if not whole_word:
        return escaped
    start = r"\b" if re.match(r"\w", keyword) else ""
    end = r"\b" if re.search(r"\w\Z", keyword) else ""
    return f"{start}{escaped}{end}"


def searchable_text(spoiler_text: str, text: str, poll_options: Iterable[str] = (),
                    descriptions: Iterable[str | None] = ()) -> str:
    """What keywords are matched against, as Mastodon's Status#searchable_text."""
    parts = [spoiler_text, text, "\n\n".join(poll_options),
             "\n\n".join(d for d in descriptions if d)]
    return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Rule:
    """One filter, compiled."""

    id: int
    contexts: frozenset[str]
    action: str
    expires_at: datetime | None
    entity: dict[str, object]  # the Filter entity as FilterResult names it (no rules)
    keywords: tuple[tuple[str, re.Pattern[str]], ...]
    pattern: re.Pattern[str] | None
    post_ids: frozenset[int]

    def result(self, keywords: list[str], posts: list[int]) -> dict[str, object]:
        return {"filter": self.entity, "keyword_matches": keywords or None,
                "status_matches": [str(i) for i in posts] or None}


@dataclass(frozen=True, slots=True)
class Verdict:
    results: list[dict[str, object]]
    hide: bool

    @property
    def json(self) -> str:
        return json.dumps(self.results, ensure_ascii=False, separators=(",", ":"))


NOTHING = Verdict([], False)


class Matcher:
    """The filters of one viewer that apply in one context now."""

    def __init__(self, viewer_id: int, rules: Sequence[Rule], drops: bool = True) -> None:
        self.viewer_id = viewer_id
        self.rules = rules
        self.drops = drops  # whether hide filters drop posts (in a context, not everywhere)
        patterns = [r.pattern.pattern for r in rules if r.pattern is not None]
        self.any = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) \
            if patterns else None
        self.post_ids = frozenset().union(*(r.post_ids for r in rules))

    def check(self, post_id: int, reblog_of_id: int | None, author_id: int,
              text: str) -> Verdict:
        """The filters a post matches (a repost: by its original's author and text)."""
        if author_id == self.viewer_id:
            return NOTHING
        ids = (post_id,) if reblog_of_id is None else (post_id, reblog_of_id)
        by_id = any(i in self.post_ids for i in ids)
        by_word = self.any is not None and text and self.any.search(text) is not None
        if not by_id and not by_word:
            return NOTHING
        results = []
        hide = False
        for rule in self.rules:
            words = [k for k, p in rule.keywords if p.search(text)] if by_word else []
            posts = [i for i in ids if i in rule.post_ids]
            if words or posts:
                results.append(rule.result(words, posts))
                hide = hide or (self.drops and rule.action == "hide")
        return Verdict(results, hide) if results else NOTHING


def check_view(matcher: Matcher, view: PostView) -> Verdict:
    """Which filters a presented post matches (a repost: by its original)."""
    proper = view.reblog or view
    text = searchable_text(proper.post.spoiler_text, proper.post.text,
                           [o.title for o in proper.poll.options] if proper.poll else (),
                           [m.description for m in proper.media])
    return matcher.check(view.post.id, view.post.reblog_of_id, proper.post.account_id, text)


def apply(matcher: Matcher | None, views: Sequence[PostView]) -> list[PostView]:
    """The posts a page shows (hide filters' matches left out), each with the titles of
    the filters that mark it in `filtered` (the web UI's "Filtered: ..." fold)."""
    if matcher is None:
        return list(views)
    shown = []
    for view in views:
        verdict = check_view(matcher, view)
        if verdict.hide:
            continue
        view.filtered = [str(r["filter"]["title"])  # type: ignore[index]
                         for r in verdict.results]
        shown.append(view)
    return shown


class Compiled:
    """A viewer's active filters, compiled."""

    def __init__(self, viewer_id: int, rules: Sequence[Rule]) -> None:
        self.viewer_id = viewer_id
        self.rules = tuple(rules)

    def context(self, name: str | None, now: datetime | None = None) -> Matcher | None:
        """The matcher for one context, or None when no filter applies. None names no
        context (a single status, bookmarks, search): every filter marks, none hides."""
        if not self.rules:
            return None
        now = now or utcnow()
        rules = [r for r in self.rules if (name is None or name in r.contexts)
                 and (r.expires_at is None or r.expires_at > now)]
        return Matcher(self.viewer_id, rules, drops=name is not None) if rules else None


def compile_rule(entity: dict[str, object], contexts: Iterable[str], action: str,
                 expires_at: datetime | None, keywords: Iterable[tuple[str, bool]],
                 post_ids: Iterable[int]) -> Rule:
    words = tuple((k, re.compile(keyword_pattern(k, whole), re.IGNORECASE))
                  for k, whole in keywords)
    pattern = re.compile("|".join(p.pattern for _, p in words), re.IGNORECASE) \
        if words else None
    return Rule(int(str(entity["id"])), frozenset(contexts), action, expires_at, entity,
                words, pattern, frozenset(post_ids))


class FilterCache:
    """Each viewer's compiled filters in this process, with the version they were made from."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[int, Compiled]] = {}

    def get(self, account_id: int, version: int) -> Compiled | None:
        kept = self._kept.get(account_id)
        return kept[1] if kept is not None and kept[0] == version else None

    def keep(self, account_id: int, version: int, compiled: Compiled) -> None:
        if len(self._kept) >= KEPT:
            self._kept.clear()
        self._kept[account_id] = (version, compiled)
