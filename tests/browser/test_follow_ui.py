"""Following in a real browser, without a page load: from a "Who to follow" row (the row turns
into a Following button), and from a profile, whose follower count follows along; one's own
profile's Following count too."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import GUARD_MS, person


def _unreloaded(page: Any) -> None:
    """Marks the page; `_same_page` then proves no navigation happened since."""
    page.evaluate("() => { window.__marker = 1; }")


def _same_page(page: Any) -> None:
    assert page.evaluate("() => window.__marker") == 1, "the page was reloaded"


def _counts(page: Any) -> Any:
    return page.get_by_role("main").locator("p.counts")


def test_follow_from_suggestions_and_profile(server: str, browser: Any) -> None:
    problems: list[str] = []
    alice = person(browser, server, "alice", problems)
    person(browser, server, "bob", problems)
    person(browser, server, "carol", problems)

    # Who to follow: bob has a Follow button; following turns the row into "Following".
    alice.goto(server + "/home")
    side = alice.get_by_role("complementary", name="Discover")
    row = side.get_by_role("listitem").filter(has_text="@bob")
    _unreloaded(alice)
    row.get_by_role("button", name="Follow @bob", exact=True).click()
    row.get_by_role("button", name="Unfollow @bob", exact=True).wait_for(timeout=GUARD_MS)
    _same_page(alice)
    alice.reload()
    expect(side.get_by_role("link", name=re.compile("@carol"))).to_be_visible(timeout=GUARD_MS)
    assert side.get_by_role("listitem").filter(has_text="@bob").count() == 0  # followed

    # Bob's profile: Unfollow and Follow again, the follower count changes in place.
    alice.goto(server + "/@bob")
    counts = _counts(alice)
    expect(counts).to_contain_text(re.compile(r"\b1 Follower\b"), timeout=GUARD_MS)
    _unreloaded(alice)
    alice.get_by_role("button", name="Unfollow @bob", exact=True).click()
    expect(counts).to_contain_text(re.compile(r"\b0 Followers\b"), timeout=GUARD_MS)
    alice.get_by_role("button", name="Follow", exact=True).click()
    expect(counts).to_contain_text(re.compile(r"\b1 Follower\b"), timeout=GUARD_MS)
    _same_page(alice)

    # Her own profile: following carol from the suggestions counts there at once.
    alice.goto(server + "/@alice")
    counts = _counts(alice)
    expect(counts).to_contain_text(re.compile(r"\b1 Following\b"), timeout=GUARD_MS)
    _unreloaded(alice)
    side.get_by_role("button", name="Follow @carol", exact=True).click()
    expect(counts).to_contain_text(re.compile(r"\b2 Following\b"), timeout=GUARD_MS)
    side.get_by_role("button", name="Unfollow @carol", exact=True).click()
    expect(counts).to_contain_text(re.compile(r"\b1 Following\b"), timeout=GUARD_MS)
    _same_page(alice)
    assert not problems, problems
