"""How posts match filters: whole words as Mastodon bounds them, any case, the spoiler text,
poll options and picture descriptions, contexts, expiry, and the per-process cache kept by
the account's filters_version."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.errors import Invalid, NotFound
from salon.filters import service as filters
from salon.filters.matching import (
    Compiled,
    FilterCache,
    Matcher,
    compile_rule,
    keyword_pattern,
    searchable_text,
)
from salon.filters.service import KeywordChange
from tests.conftest import People


def _matcher(keywords: list[tuple[str, bool]], action: str = "warn") -> Matcher:
    rule = compile_rule({"id": "1", "title": "t"}, ["home"], action, None, keywords, [7])
    found = Compiled(1, [rule]).context("home")
    assert found is not None
    return found


def _hits(keywords: list[tuple[str, bool]], text: str) -> list[object]:
    matcher = _matcher(keywords)
    verdict = matcher.check(100, None, 2, text)
    return [r["keyword_matches"] for r in verdict.results]


def test_whole_word_and_any_case() -> None:
    assert _hits([("cat", True)], "I concatenate strings") == []
    assert _hits([("cat", False)], "I concatenate strings") == [["cat"]]
    assert _hits([("cat", True)], "A CAT, a dog") == [["cat"]]
    assert _hits([("cat", True)], "cats") == []
    # Bounds only where the keyword starts or ends with a word character (as Mastodon).
    assert _hits([("#tag", True)], "see #tag!") == [["#tag"]]
    assert _hits([("c++", True)], "I write c++ daily") == [["c++"]]
    assert keyword_pattern("a.b", False) == r"a\.b"  # escaped, never a regex
    assert _hits([("a.b", False)], "axb") == []
    assert _hits([("é", True)], "café é") == [["é"]]  # Unicode word bounds
    assert _hits([("cat", True), ("dog", True)], "dog and cat") == [["cat", "dog"]]


def test_searchable_text_and_post_matches() -> None:
    text = searchable_text("spoiler", "body", ["option one"], ["a picture of a fox", None])
    assert _hits([("fox", True)], text) == [["fox"]]
    assert _hits([("option", True)], text) == [["option"]]
    assert _hits([("spoiler", True)], text) == [["spoiler"]]
    matcher = _matcher([])
    assert matcher.check(7, None, 2, "").results
    verdict = matcher.check(8, 7, 2, "")  # a repost of 7
    assert verdict.results[0]["status_matches"] == ["7"]
    assert matcher.check(7, None, 1, "").results == []  # one's own post


def test_hide_hides_only_in_a_context() -> None:
    rule = compile_rule({"id": "1"}, ["home"], "hide", None, [("x", True)], [])
    compiled = Compiled(1, [rule])
    home = compiled.context("home")
    assert home is not None and home.check(5, None, 2, "x").hide
    anywhere = compiled.context(None)
    assert anywhere is not None and not anywhere.check(5, None, 2, "x").hide
    assert anywhere.check(5, None, 2, "x").results
    assert compiled.context("public") is None
    expired = compile_rule({"id": "2"}, ["home"], "hide", utcnow() - timedelta(seconds=1),
                           [("x", True)], [])
    assert Compiled(1, [expired]).context("home") is None


def test_many_keywords_match_in_linear_time() -> None:
    """One compiled pattern per request: 200 keywords over a long post stay fast."""
    words = [(f"word{i}", True) for i in range(200)]
    matcher = _matcher(words)
    text = "lorem ipsum " * 2000
    started = time.perf_counter()
    for _ in range(100):
        matcher.check(1, None, 2, text)
    assert time.perf_counter() - started < 2.0


async def test_crud_and_the_cache(session: AsyncSession, people: People) -> None:
    alice, bob = await people.make("alice"), await people.make("bob")
    assert alice.filters_version == 0
    cache = FilterCache()
    assert (await filters.compiled(session, cache, alice.id, 0)).rules == ()
    made = await filters.create(session, alice.id, "Cats", ["home"], "warn", 60,
                                [KeywordChange(keyword="cat"),
                                 KeywordChange(keyword="kit", whole_word=False)])
    assert [k.keyword for k in made.keywords] == ["cat", "kit"]
    version = await filters.version_of(session, alice.id)
    assert version == 1
    compiled = await filters.compiled(session, cache, alice.id, version)
    assert len(compiled.rules) == 1
    assert await filters.compiled(session, cache, alice.id, version) is compiled  # kept
    cat = made.keywords[0]
    await filters.change(session, alice.id, made.filter.id, title="Felines",
                         keywords=[KeywordChange(id=cat.id, destroy=True)])
    assert await filters.version_of(session, alice.id) == 2
    assert [k.keyword for k in (await filters.get(session, alice.id, made.filter.id)).keywords
            ] == ["kit"]
    bad: dict[str, Any]
    for bad in ({"title": " "}, {"contexts": []}, {"contexts": ["x"]}, {"action": "boom"}):
        try:
            await filters.change(session, alice.id, made.filter.id, **bad)
        except Invalid:
            continue
        raise AssertionError(bad)
    for call in (filters.get(session, bob.id, made.filter.id),
                 filters.keyword(session, bob.id, made.keywords[1].id),
                 filters.remove(session, bob.id, made.filter.id)):
        try:
            await call
        except NotFound:
            continue
        raise AssertionError("another's filter was found")
    await filters.remove(session, alice.id, made.filter.id)
    assert await filters.list_filters(session, alice.id) == []
    stored = await session.scalar(select(Account.filters_version).where(Account.id == alice.id))
    assert stored == 3
