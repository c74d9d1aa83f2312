"""No page of the web UI scrolls sideways on a phone: at 360 and 390 px wide, for a visitor,
a member and a moderator, every page of their menu (and the pages a post leads to) fits the
screen, with content that tends to push it wider (a long unbroken word, a long link, a wide
picture, a long display name, a poll, a report)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import CSRF_RE, real_site
from tests.databases import Databases

PASSWORD = "correct horse battery"
WIDTHS = (360, 390)
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2
LONG_LINK = "https://example.com/" + "a-very-long-path-segment-" * 6
LONG_NAME = "Alexandrina Featherstonehaugh-Cholmondeley of Wolverhampton"

# Where something sticks out of the screen: the page itself, and every element that is
# visible (not inside an ancestor that clips it, such as a visually hidden label); and text
# that a box cuts off without an ellipsis.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const page = document.documentElement.scrollWidth;
  if (page > width) found.push(`the page scrolls sideways by ${page - width}px`);
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim()
       ? "." + el.className.trim().split(/\\s+/).join(".") : "")
    + ` "${(el.innerText || el.getAttribute("aria-label") || "").replace(/\\s+/g, " ").trim()
         .slice(0, 40)}"`;
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility !== "visible") continue;
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1 || box.right <= width + 0.5) continue;
    let right = box.right;
    for (let up = el; up && up !== document.documentElement; up = up.parentElement) {
      const s = getComputedStyle(up);
      if (s.clip !== "auto" && s.position === "absolute") { right = -1; break; }
      if (up !== el && s.overflowX !== "visible") {
        right = Math.min(right, up.getBoundingClientRect().right);
      }
    }
    if (right > width + 0.5) found.push(`${name(el)} ends at ${Math.round(right)}px`);
  }
  // Text cut off by a box that hides what sticks out, unless it ends in "…" on purpose.
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = texts.nextNode(); text; text = texts.nextNode()) {
    if (!text.textContent.trim() || !text.parentElement.checkVisibility()) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    let right = range.getBoundingClientRect().right;
    for (let up = text.parentElement; up && up !== document.body; up = up.parentElement) {
      const s = getComputedStyle(up);
      if (s.webkitLineClamp !== "none" || (s.clip !== "auto" && s.position === "absolute")) break;
      const clips = s.overflowX === "hidden" || s.overflowX === "clip";
      if (clips && s.textOverflow === "ellipsis") {  // ends in "…" at its own edge
        right = Math.min(right, up.getBoundingClientRect().right);
      } else if (clips) {
        if (right > up.getBoundingClientRect().right + 1) {
          found.push(`"${text.textContent.trim().slice(0, 30)}" is cut off by ${name(up)}`);
        }
        break;
      }
    }
  }
  return found.slice(0, 8);
}"""


@dataclass
class Seeded:
    base: str
    post: str  # a thread: alice's picture post, with a reply and a quote
    post_id: str
    poll: str
    tag: str


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 60, 160)).save(buffer, "PNG")
    return buffer.getvalue()


class _Person:
    """Someone acting on the site over plain HTTP, to set the scene quickly."""

    def __init__(self, base: str, username: str, *, signup: bool = True) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.username = username
        path = "/signup" if signup else "/login"
        self.post(path, {"username": username, "password": PASSWORD}, form=path)

    def post(self, path: str, data: dict[str, str], form: str = "/home",
             files: dict[str, Any] | None = None, status: int = 303) -> httpx.Response:
        found = CSRF_RE.search(self.http.get(form).text)
        assert found, f"no form on {form}"
        response = self.http.post(path, data={"csrf_token": found.group(1), **data},
                                  files=files)
        assert response.status_code == status, (path, response.status_code, response.text[:500])
        return response

    def write(self, data: dict[str, str], files: dict[str, Any] | None = None) -> str:
        """Posts; returns the new post's address."""
        self.post("/posts", data, files=files)
        found = re.search(rf'href="(/@{self.username}/\d+)"',
                          self.http.get(f"/@{self.username}/with_replies").text)
        assert found
        return found.group(1)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[Seeded]:
    with real_site(tmp_path_factory, databases) as (base, env):
        subprocess.run([str(Path(sys.executable).parent / "salon"), "create-user", "moderator",
                        "--admin"], env={**env, "SALON_NEW_PASSWORD": PASSWORD}, check=True,
                       capture_output=True)
        alice = _Person(base, "alice")
        alice.post("/settings/profile", {"display_name": LONG_NAME,
                                         "bio": f"I paint skies. {LONG_WORD}",
                                         "field_name_0": "Website", "field_value_0": LONG_LINK},
                   form="/settings/profile", status=200)
        post = alice.write(
            {"text": f"Stars over the bay {LONG_WORD} {LONG_LINK} #nightsky",
             "alt_0": "A wide dark blue panorama"},
            files={"image_0": ("bay.png", _png(2400, 500), "image/png")})
        poll = alice.write({"text": "Which sky next?", "poll_0": LONG_WORD[:50],
                            "poll_1": "A sunrise over a very long mountain ridge",
                            "poll_expires_in": "86400"})
        alice.write({"text": "Behind a warning", "spoiler_text": f"Spoiler {LONG_WORD}"})
        alice.post(f"/posts/{post.rsplit('/', 1)[1]}/edit",
                   {"text": f"Stars over the bay, edited {LONG_WORD} #nightsky"})
        bob = _Person(base, "bob")
        bob.post("/@alice/follow", {})
        post_id = post.rsplit("/", 1)[1]
        bob.write({"text": f"@alice Wonderful! {LONG_WORD}", "in_reply_to_id": post_id})
        bob.write({"text": f"Look at this {LONG_WORD}", "quote_of_id": post_id})
        bob.post(f"/posts/{post_id}/like", {})
        bob.post(f"/posts/{post_id}/report", {"category": "other",
                                              "comment": f"Testing the queue {LONG_WORD}"})
        moderator = _Person(base, "moderator", signup=False)
        moderator.post("/@alice/follow", {})
        yield Seeded(base, post, post_id, poll, "nightsky")


def _pages(role: str, seeded: Seeded) -> list[str]:
    shared = ["/public", "/public?media=true", "/explore", "/explore?tag=nightsky", "/search",
              f"/search?q={LONG_WORD[:20]}", f"/tags/{seeded.tag}", seeded.post, seeded.poll,
              "/@alice", "/@alice/with_replies", "/@alice/media", "/@alice/followers", "/@bob",
              f"/posts/{seeded.post_id}/history", f"/posts/{seeded.post_id}/remixes"]
    if role == "visitor":
        return [*shared, "/login", "/signup"]
    member = [*shared, "/home", "/notifications", "/bookmarks", "/imagine", "/generations",
              "/settings/profile", "/compose", f"/compose?in_reply_to_id={seeded.post_id}",
              "/follow_requests", "/reports/sent", "/@alice/report/new",
              f"/posts/{seeded.post_id}/report"]
    if role == "member":
        return [*member, f"/posts/{seeded.post_id}/edit"]
    return [*member, "/admin/reports"]


def _sign_in(context: Any, base: str, role: str) -> None:
    if role == "visitor":
        return
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("Username").fill("alice" if role == "member" else "moderator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/home$"))
    page.close()


@pytest.mark.parametrize("role", ["visitor", "member", "moderator"])
def test_no_page_scrolls_sideways_on_a_phone(seeded: Seeded, browser: Any, role: str) -> None:
    problems = []
    # SALON_TEST_SHOTS=<folder>: also a desktop pass, and a screenshot of every page.
    shots = Path(os.environ["SALON_TEST_SHOTS"]) if os.environ.get("SALON_TEST_SHOTS") else None
    for width in (*WIDTHS, 1280) if shots else WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800},
                                      device_scale_factor=1, is_mobile=width < 700,
                                      has_touch=width < 700)
        context.set_default_timeout(120_000)
        _sign_in(context, seeded.base, role)
        page = context.new_page()
        for path in _pages(role, seeded):
            response = page.goto(seeded.base + path)
            assert response is not None and response.ok, (path, response and response.status)
            page.wait_for_load_state("load")
            problems += [f"{width}px {path}: {found}" for found in page.evaluate(OVERFLOW)]
            if shots:
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"
                shots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=shots / f"{role}-{width}-{name}.png", full_page=False)
        context.close()
    assert not problems, "\n".join(problems)
