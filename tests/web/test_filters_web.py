"""The web UI folds posts the reader's warn filters match behind "Filtered: <title>" (a
<details> the reader opens: Show anyway) and leaves out what a hide filter matches; other
readers see the posts as ever."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.filters import service as filters
from salon.filters.service import KeywordChange
from tests.conftest import Site, WebUser


def _post(person: WebUser, text: str, **more: str) -> None:
    response = person.post("/posts", {"text": text, "visibility": "public", **more})
    assert response.status_code in (200, 303), response.text


def _filter(site: Site, username: str, title: str, contexts: list[str], action: str,
            keyword: str) -> None:
    async def make(session: AsyncSession) -> None:
        owner = await accounts.get_by_username(session, username)
        await filters.create(session, owner.id, title, contexts, action,
                             keywords=[KeywordChange(keyword=keyword)])

    site.call(make)


def _folded(html: str) -> list[str]:
    return re.findall(r'<span class="filtered-text">Filtered: ([^<]*)</span>', html)


def test_warn_folds_and_hide_leaves_out(site: Site) -> None:
    alice, bob, carol = site.user("alice"), site.user("bob"), site.user("carol")
    _post(bob, "my cat sleeps")
    _post(bob, "the finale of the show")
    _post(bob, "concatenated nothing")
    _filter(site, "alice", "Cats", ["public", "thread"], "warn", "cat")
    _filter(site, "alice", "Spoilers", ["public"], "hide", "finale")
    site.run_jobs()

    page = alice.get("/public").text
    assert _folded(page) == ["Cats"]
    assert "Show anyway" in page and "my cat sleeps" in page  # folded, not removed
    assert "the finale" not in page  # hidden
    assert "concatenated nothing" in page  # "cat" as a whole word only
    other = carol.get("/public").text
    assert _folded(other) == [] and "the finale" in other and "Show anyway" not in other
    anonymous = site.visitor().get("/public").text
    assert _folded(anonymous) == [] and "the finale" in anonymous

    # A thread folds its replies too (context thread); the hide filter is public only.
    root = re.search(r'href="/@bob/([0-9]+)"', bob.get("/@bob").text)
    assert root is not None
    _post(carol, "a reply about a Cat", in_reply_to_id=root.group(1))
    site.run_jobs()
    thread = alice.get(f"/@bob/{root.group(1)}").text
    assert "Cats" in _folded(thread)
