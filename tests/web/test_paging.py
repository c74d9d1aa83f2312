"""'Load newer' on top of a timeline: shown only when there is something newer (a check
says so, or the page is an older one); with HTMX it brings exactly the posts made since the
page was drawn, and a second click never repeats them."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

from tests.conftest import Site
from tests.web import elements

NEWER = re.compile(r'id="load-newer" href="([^"]+)"')
HTMX = {"HX-Request": "true", "HX-Target": "load-newer"}
CHECK = {"X-Salon-Check": "newer"}


def _link(page: str, path: str) -> str:
    """The link's address, resolved against the page's path as a browser does."""
    found = NEWER.search(page)
    assert found, "no 'Load newer' link"
    return urljoin(path, html.unescape(found.group(1)))


def test_load_newer_brings_new_posts_once(site: Site) -> None:
    alice = site.user("alice")
    for n in range(3):
        alice.post("/posts", {"text": f"old post {n}"})
    first = alice.get("/home").text
    link = _link(first, "/home")
    assert "old post 2" in first

    for n in range(2):
        alice.post("/posts", {"text": f"new post {n}"})
    newer = alice.get(link, headers=HTMX)
    assert newer.status_code == 200
    assert "new post 0" in newer.text and "new post 1" in newer.text
    assert "old post" not in newer.text
    assert "Load more" not in newer.text  # older pages stay where they were
    assert newer.text.index("new post 1") < newer.text.index("new post 0")  # newest first

    again = alice.get(_link(newer.text, "/home"), headers=HTMX)
    assert "<article" not in again.text
    assert _link(again.text, "/home") == _link(newer.text, "/home")


def test_load_newer_shows_only_when_there_is_something_newer(site: Site) -> None:
    alice = site.user("alice")
    alice.post("/posts", {"text": "before"})
    for path in ("/home", "/public", "/@alice", "/tags/sky"):
        page = alice.get(path).text
        (link,) = elements(page, "a", id="load-newer")
        # The newest page: nothing newer yet, so the link waits hidden for a check to say so.
        assert "hidden" in link and "data-check-newer" in link, (path, link)
        check = alice.get(_link(page, path), headers=CHECK)
        assert (check.status_code, check.text) == (204, ""), path
    drawn = {path: alice.get(path).text for path in ("/home", "/public", "/tags/sky")}
    alice.post("/posts", {"text": "after #sky"})
    for path, page in drawn.items():  # the tag's empty page too: its first post is newer
        check = alice.get(_link(page, path), headers=CHECK)
        assert (check.status_code, check.text) == (200, ""), path
        assert "after" in alice.get(_link(page, path), headers=HTMX).text


def test_load_newer_works_without_javascript(site: Site) -> None:
    """Without JavaScript a reload shows new posts; an older page (reached by "Load more")
    shows the link, a plain link to the posts above it."""
    alice = site.user("alice")
    for n in range(25):
        alice.post("/posts", {"text": f"post number {n}"})
    top = alice.get("/public").text
    (more,) = elements(top, "a", class_="load-more")
    older_path = urljoin("/public", html.unescape(more["href"]))
    older = alice.get(older_path).text
    (link,) = elements(older, "a", id="load-newer")
    assert "hidden" not in link
    page = alice.get(_link(older, older_path)).text
    assert "<html" in page and "post number 5" in page and "post number 4<" not in page
    alice.post("/posts", {"text": "after"})
    assert "after" in alice.get("/public").text
