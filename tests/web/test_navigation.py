"""Every page the menu leads to is called what the menu calls it: its <title> and its
heading start with the menu's label, and the menu marks it as the current page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.web import CheckedSite, WebUser, open_site
from tests.web.test_moderation import admin

MAIN_NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.DOTALL)
GUEST = re.compile(r'<div class="guest">(.*?)</div>', re.DOTALL)
LINK = re.compile(
    r'<a (?:class="[^"]*" )?href="([^"]+)"([^>]*)>.*?<span class="label">([^<]+)</span>',
    re.DOTALL)
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL)


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _menu(page: str) -> list[tuple[str, str, bool]]:
    """(label, address, whether marked current) of each entry of the main menu and of the
    visitor's buttons."""
    found = MAIN_NAV.search(page)
    assert found, "no main menu"
    parts = found.group(1) + "".join(GUEST.findall(page))
    return [(label, href, 'aria-current="page"' in extra)
            for href, extra, label in LINK.findall(parts)]


def _first(pattern: re.Pattern[str], page: str) -> str:
    found = pattern.search(page)
    assert found, f"no {pattern.pattern}"
    return _text(found.group(1))


def _check(person: WebUser, username: str | None) -> list[str]:
    wrong = []
    menu = _menu(person.get("/public").text)
    assert len(menu) >= 4, menu
    for label, href, _ in menu:
        page = person.get(href).text
        title, heading = _first(TITLE, page), _first(H1, page)
        if label == "Profile":  # one's own profile is headed with one's name
            assert heading.endswith(f"@{username}"), heading
            label = heading.removesuffix(f" @{username}")
        if not title.startswith((f"{label} · ", f"{label} (")):
            wrong.append(f"{href}: the menu says {label!r}, the title {title!r}")
        if not heading.startswith(label):
            wrong.append(f"{href}: the menu says {label!r}, the heading {heading!r}")
        marked = [href2 for _, href2, current in _menu(page) if current]
        if href not in ("/login", "/signup") and marked != [href]:
            wrong.append(f"{href}: the menu marks {marked} as the current page")
    return wrong


def test_pages_are_called_what_the_menu_calls_them(site: CheckedSite) -> None:
    alice = site.user("alice")
    site.compose(alice, "alice", {"text": "something to read"})
    wrong = _check(site.anon, None) + _check(alice, "alice") + _check(admin(site), "mod")
    assert not wrong, "\n".join(wrong)


def test_latest_is_headed_latest_and_explore_explore(site: CheckedSite) -> None:
    latest = site.anon.get("/public").text
    assert _first(H1, latest) == "Latest" and _first(TITLE, latest).startswith("Latest · ")
    explore = site.anon.get("/explore").text
    assert _first(H1, explore) == "Explore" and _first(TITLE, explore).startswith("Explore · ")
    # A visitor's "/" is Latest too.
    assert site.anon.get("/", follow_redirects=False).headers["location"] == "/public"
