"""The search page finds a post by describing it (no word in common), pages with "More
posts", and a generated post's page offers similar pictures: lazily with HTMX, as a page of
its own without JavaScript, and never for a post the reader may not see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.web import CheckedSite, articles, elements, open_site
from tests.web.test_imagine import picture_post


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def grid(page: str) -> list[str]:
    return [a["href"] for a in elements(page, "a", class_="explore-item")]


def test_the_search_page_finds_a_post_by_its_description(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    android = site.compose(alice, "alice", {"text": "a lonely android under a storm"})
    site.compose(alice, "alice", {"text": "a bowl of ripe fruit on a table"})
    site.run_jobs()
    page = bob.get("/search?q=sad+robot+in+the+rain").text
    assert f"/@alice/{android}" in articles(page) and "ripe fruit" not in articles(page)
    assert "by meaning" in page
    # Signed out too; a page past the end says so; a bad offset is the first page.
    assert f"/@alice/{android}" in articles(site.anon.get("/search?q=sad+robot+in+the+rain").text)
    assert "No more posts match." in bob.get("/search?q=sad+robot+in+the+rain&offset=20").text
    assert f"/@alice/{android}" in articles(bob.get("/search?q=sad+robot&offset=-3").text)

    made = [site.compose(alice, "alice", {"text": f"storm at sea, sketch {i}"})
            for i in range(21)]
    site.run_jobs()
    first = bob.get("/search?q=storm+sea").text
    more = elements(first, "a", href="/search?q=storm%20sea&offset=20")
    assert more, "no link to more posts"
    second = articles(bob.get(more[0]["href"]).text)
    shown = [p for p in made if f"/@alice/{p}\"" in articles(first) + second]
    assert len(shown) == len(made)


def test_a_generated_post_shows_similar_pictures(site: CheckedSite) -> None:
    alice, bob, carol = site.user("alice"), site.user("bob"), site.user("carol")
    focus = picture_post(site, alice, "alice", "a lonely android under a storm")
    near = picture_post(site, carol, "carol", "a sad robot standing in the rain")
    far = picture_post(site, carol, "carol", "a bowl of ripe fruit on a table")
    words = site.compose(alice, "alice", {"text": "a lonely android under a storm"})
    secret = picture_post(site, alice, "alice", "a lonely android in the rain",
                          visibility="private")
    site.run_jobs()

    page = bob.get(f"/@alice/{focus}").text
    lazy = elements(page, "div", **{"hx-get": f"/posts/{focus}/similar"})
    assert lazy and lazy[0]["hx-trigger"] == "revealed"
    assert elements(page, "a", href=f"/posts/{focus}/similar")  # without JavaScript
    assert "Similar pictures" not in bob.get(f"/@alice/{words}").text  # no pictures of its own

    fragment = bob.get(f"/posts/{focus}/similar", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert grid(fragment.text) == [f"/@carol/{near}"]
    assert f"/@carol/{far}" not in fragment.text
    full = bob.get(f"/posts/{focus}/similar")
    assert "<html" in full.text and grid(full.text) == [f"/@carol/{near}"]
    # carol's own picture is nothing new to her.
    assert grid(carol.get(f"/posts/{focus}/similar").text) == []

    # A followers-only post: not found by others, so neither are its similar pictures.
    assert bob.get(f"/posts/{secret}/similar").status_code == 404
    assert site.anon.get(f"/posts/{secret}/similar").status_code == 404
    assert f"/@carol/{near}" in alice.get(f"/posts/{secret}/similar").text
