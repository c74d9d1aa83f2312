"""Feeds from a sentence in the web UI, without JavaScript: write one on /feeds, read it on
its page, pin it as a tab, and follow another's public feed; a private one is its owner's
alone, and a public one opens to anyone, signed out too."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.web import CheckedSite, elements, open_site

FOX = "a fox painted in watercolour on a snowy hill"
STREET = "a city street at night"


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def tabs(html: str) -> list[str]:
    found = re.search(r'<nav class="tabs feed-tabs"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", found.group(1)) if found else []


def post_links(html: str, username: str) -> list[str]:
    return re.findall(rf'href="/@{username}/(\d+)"', html)


def test_write_a_feed_pin_it_and_read_it(site: CheckedSite) -> None:
    ada, bob = site.user("ada"), site.user("bob")
    fox = site.compose(ada, "ada", {"text": FOX})
    street = site.compose(ada, "ada", {"text": STREET})
    site.run_jobs()  # the posts' vectors

    page = bob.get("/feeds")
    assert page.status_code == 200 and "Write a feed in a sentence" in page.text
    assert any(a.get("href") == "/feeds" for a in elements(page.text, "a"))  # in the nav
    made = bob.post("/feeds", {"sentence": "watercolor animals in snow", "title": "Snow",
                               "order": "newest", "pinned": "1"})
    assert made.status_code == 303
    path = made.headers["location"]
    assert re.fullmatch(r"/feeds/\d+", path)

    feed = bob.get(path)
    assert feed.status_code == 200
    assert "“watercolor animals in snow”" in feed.text and "Only you can see it" in feed.text
    shown = post_links(feed.text, "ada")
    assert str(fox) in shown and str(street) not in shown
    assert tabs(feed.text) == ["Home", "For you", "Snow"]
    assert tabs(bob.get("/home").text) == ["Home", "For you", "Snow"]

    # Unpinned, the tab goes; the feed stays on /feeds.
    assert bob.post(path + "/unpin", headers={"referer": "http://testserver" + path}
                    ).status_code == 303
    assert tabs(bob.get("/home").text) == ["Home", "For you"]
    assert "Snow" in bob.get("/feeds").text

    # Private: nobody else finds it, signed in or not.
    assert ada.get(path).status_code == 404
    assert site.anon.get(path).status_code == 404
    assert ada.post(path + "/follow").status_code == 404

    assert bob.post(path + "/delete").headers["location"] == "/feeds"
    assert bob.get(path).status_code == 404


def test_a_refused_sentence_comes_back_with_the_form(site: CheckedSite) -> None:
    bob = site.user("bob")
    bob.get("/feeds")
    refused = bob.post("/feeds", {"sentence": "no people", "title": "Empty", "public": "1"})
    assert refused.status_code == 422
    assert "not only what it should leave out" in refused.text
    assert 'value="Empty"' in refused.text and ">no people</textarea>" in refused.text


def test_a_public_feed_is_open_to_anyone_and_followed(site: CheckedSite) -> None:
    ada, bob = site.user("ada"), site.user("bob")
    fox = site.compose(ada, "ada", {"text": FOX})
    site.run_jobs()
    path = bob.post("/feeds", {"sentence": "watercolor animals in snow",
                               "public": "1"}).headers["location"]

    anonymous = site.anon.get(path)
    assert anonymous.status_code == 200
    assert "@bob" in anonymous.text and "0 followers" in anonymous.text
    assert str(fox) in post_links(anonymous.text, "ada")
    assert f'href="/login?next={path}"' in anonymous.text  # Follow asks to sign in

    page = ada.get(path)
    assert any(f.get("action") == path + "/follow" for f in elements(page.text, "form"))
    assert ada.post(path + "/follow", headers={"referer": "http://testserver" + path}
                    ).headers["location"] == path
    page = ada.get(path)
    assert "1 follower<" in page.text
    assert any(f.get("action") == path + "/unfollow" for f in elements(page.text, "form"))
    listed = ada.get("/feeds").text
    assert "Feeds you follow" in listed and path in listed
    ada.post(path + "/pin")
    assert tabs(ada.get("/home").text) == ["Home", "For you", "watercolor animals in snow"]

    # Another's feed is not Ada's to change or delete.
    assert ada.post(path + "/delete").status_code == 403
    assert ada.post(path + "/edit", {"sentence": "cats"}).status_code == 403
    # Made private by its owner, it is gone for Ada, tab and all.
    bob.post(path + "/edit", {"sentence": "watercolor animals in snow", "title": "",
                              "order": "best"})
    assert ada.get(path).status_code == 404
    assert tabs(ada.get("/home").text) == ["Home", "For you"]
    assert "Best match first" in bob.get(path).text


def test_forms_need_the_csrf_token(site: CheckedSite) -> None:
    bob = site.user("bob")
    bob.get("/feeds")
    refused = bob.client.post("/feeds", data={"sentence": "cats"}, follow_redirects=False)
    assert refused.status_code == 403
    assert "Only you" not in bob.get("/feeds").text
    assert site.anon.get("/feeds", follow_redirects=False).status_code in (302, 303, 401)
