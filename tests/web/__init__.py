"""Helpers for the HTTP-level tests: a Site that refuses any 5xx answer, cheap password
hashing (argon2's defaults cost ~0.5 s per sign-up), image bytes, and small HTML readers."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from PIL import Image
from sqlalchemy import func, select

from salon.accounts import passwords
from salon.accounts.models import Account
from salon.media.models import MediaAttachment
from salon.media.store import media_store
from salon.posts.models import Post
from salon.settings import Settings
from tests.conftest import PASSWORD, Site, WebUser, settings_for

__all__ = ["PASSWORD", "CheckedSite", "WebUser"]

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
]
RAW_XSS = ["<script>alert(1)", "<img src=x onerror", "<svg onload"]


def make_settings(data_dir: Path, database: dict[str, Any], **changes: Any) -> Settings:
    """Settings like tests/conftest.py's, for a Site built by hand on `database` (from
    `databases.fresh(data_dir)`)."""
    return settings_for(data_dir, database, **changes)


class CheckedSite(Site):
    """The conftest Site, but every response any client gets is checked: never a 5xx."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.responses = 0

    def visitor(self) -> WebUser:
        person = super().visitor()

        def no_server_error(response: httpx.Response) -> None:
            self.responses += 1
            assert response.status_code < 500, (
                f"{response.request.method} {response.request.url} -> {response.status_code}"
            )

        person.client.event_hooks = {"request": [], "response": [no_server_error]}
        return person

    def post_count(self, username: str) -> int:
        async def count(session: Any) -> int:
            account = await session.scalar(
                select(Account).where(Account.username_key == username.lower())
            )
            return int(
                await session.scalar(
                    select(func.count()).select_from(Post).where(Post.account_id == account.id)
                )
            )

        return int(self.call(count))

    def media_count(self) -> int:
        async def count(session: Any) -> int:
            return int(await session.scalar(select(func.count()).select_from(MediaAttachment)))

        return int(self.call(count))

    def last_post_id(self, username: str) -> int:
        async def last(session: Any) -> int:
            account = await session.scalar(
                select(Account).where(Account.username_key == username.lower())
            )
            return int(
                await session.scalar(select(func.max(Post.id)).where(Post.account_id == account.id))
            )

        return int(self.call(last))

    def compose(self, person: WebUser, username: str, data: dict[str, Any], **kw: Any) -> int:
        """Post through the web form; returns the new post's id."""
        response = person.post("/posts", data, **kw)
        assert response.status_code == 303, response.text[-800:]
        return self.last_post_id(username)


def media_base(settings: Settings) -> str:
    """How every media address of these settings starts: "/media/" on the local folder,
    the bucket's public address under SALON_TEST_S3."""
    return media_store(settings).url("public/k")[:-len("public/k")]


def cheap_hashing() -> Iterator[None]:
    """Argon2 with tiny costs while a test runs: hashing speed is not what these test."""
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    try:
        yield
    finally:
        passwords._hasher = original


def open_site(settings: Settings) -> Iterator[CheckedSite]:
    for _ in cheap_hashing():
        with CheckedSite(settings) as site:
            yield site
            assert site.responses > 0


# --- images ----------------------------------------------------------------------------------


def png(width: int = 32, height: int = 24, color: tuple[int, int, int] = (200, 40, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def jpeg(width: int = 40, height: int = 30, color: tuple[int, int, int] = (20, 140, 60)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def bomb_png(width: int = 8000, height: int = 6000) -> bytes:
    """48 megapixels of one colour: a few kilobytes compressed, ~150 MB decoded."""
    buf = io.BytesIO()
    Image.new("1", (width, height), 0).save(buf, "PNG", optimize=False)
    return buf.getvalue()


# --- HTML ------------------------------------------------------------------------------------

ARTICLE_RE = re.compile(r"<article\b.*?</article>", re.DOTALL)


def articles(page: str) -> str:
    """Only the posts of a page (no search box, titles or sidebar)."""
    return "\n".join(ARTICLE_RE.findall(page))


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def elements(page: str, tag: str, **having: str) -> list[dict[str, str]]:
    """Attributes of every `tag` element whose attributes contain `having` (class_ = class;
    a value matches when it is one of the space-separated words or the whole value)."""
    parser = Elements()
    parser.feed(page)
    wanted = {k.rstrip("_"): v for k, v in having.items()}
    return [
        attrs
        for name, attrs in parser.found
        if name == tag
        and all(v == attrs.get(k) or v in attrs.get(k, "").split() for k, v in wanted.items())
    ]


def assert_escaped(page: str, where: str) -> None:
    """None of the XSS payloads is live markup; each that appears is escaped."""
    for raw in RAW_XSS:
        assert raw not in page, f"raw {raw!r} on {where}"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, f"escaped <script> missing on {where}"
    assert "&lt;img src=x onerror=alert(1)&gt;" in page, f"escaped <img> missing on {where}"
    assert "&lt;svg onload=alert(1)&gt;" in page, f"escaped <svg> missing on {where}"


def followers_shown(page: str) -> int:
    """The follower count a profile page shows."""
    found = re.search(r"<strong>(\d+)</strong> Followers?\b", page)
    assert found, "no follower count on the page"
    return int(found.group(1))
