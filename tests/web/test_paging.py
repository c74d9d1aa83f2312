"""'Load newer' on top of a timeline: with HTMX it brings exactly the posts made since the
page was drawn, and a second click never repeats them."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

from tests.conftest import Site

NEWER = re.compile(r'id="load-newer" href="([^"]+)"')
HTMX = {"HX-Request": "true", "HX-Target": "load-newer"}


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


def test_load_newer_works_without_javascript(site: Site) -> None:
    alice = site.user("alice")
    alice.post("/posts", {"text": "before"})
    link = _link(alice.get("/public").text, "/public")
    alice.post("/posts", {"text": "after"})
    page = alice.get(link).text
    assert "<html" in page and "after" in page and "before" not in page
