"""Explore's words and results agree with Trending: a hashtag that trends with pictures
finds those pictures, uploaded or made with Imagine, and a hashtag with no pictures says so
and leads to its posts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.web import CheckedSite, elements, open_site, png
from tests.web.test_imagine import picture_post

TRENDS = re.compile(r"<h2>Trending</h2>(.*?)</section>", re.DOTALL)


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def grid(site: CheckedSite, path: str) -> list[str]:
    page = site.anon.get(path)
    assert page.status_code == 200
    return [a["href"] for a in elements(page.text, "a", class_="explore-item")]


def test_explore_finds_the_pictures_a_trending_hashtag_shows(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    uploaded = site.compose(bob, "bob", {"text": "Orion tonight #NightSky",
                                         "alt_0": "Stars over a field"},
                            files={"image_0": ("orion.png", png(64, 48), "image/png")})
    made = picture_post(site, alice, "alice", "the milky way", text="made it #nightsky")
    words = site.compose(bob, "bob", {"text": "clear skies promised #stargazing"})

    explore = site.anon.get("/explore").text
    trends = TRENDS.search(explore)
    assert trends and "#NightSky" in trends.group(1) and "2 posts · 2 people" in trends.group(1)
    # What Trending counts for #nightsky, Explore shows: both pictures, however they were made.
    assert sorted(grid(site, "/explore?tag=nightsky")) == sorted(
        [f"/@bob/{uploaded}", f"/@alice/{made}"])
    assert sorted(grid(site, "/explore")) == sorted([f"/@bob/{uploaded}", f"/@alice/{made}"])
    assert "uploaded or made with Imagine" in explore

    # A hashtag that trends with words only: Explore says it has no pictures, and leads to them.
    empty = site.anon.get("/explore?tag=stargazing").text
    assert grid(site, "/explore?tag=stargazing") == []
    assert "No pictures tagged #stargazing in the last week." in empty
    assert elements(empty, "a", href="/tags/stargazing")
    assert f"/@bob/{words}" in site.anon.get("/tags/stargazing").text
