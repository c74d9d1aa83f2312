"""What the browser tests share: signing up a person, and waiting.

They wait for what they expect to happen (a selector, a response, a socket's frame), never for
a time budget: a busy 2-core CI machine can take many times longer than a quiet one. GUARD is
only the last resort that ends a test that would otherwise wait for ever.
"""

from __future__ import annotations

import re
import time
from typing import Any

PASSWORD = "correct horse battery"
GUARD_S = 180
GUARD_MS = GUARD_S * 1000


def person(browser: Any, base: str, username: str, problems: list[str],
           viewport: dict[str, int] | None = None) -> Any:
    """A new browser context signed up as `username`; console errors go to `problems`."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(GUARD_MS)
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"{username}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"{username}: {e}"))
    page.goto(base + "/signup")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/home$"))
    return page


def eventually(page: Any, url: str, text: str) -> None:
    """Load `url` until `text` shows. For what a background job makes (fan-out to a home,
    a notification): the web pages have no push, so each load (awaited to its load event)
    is the look; between looks, the browser's own timer."""
    deadline = time.monotonic() + GUARD_S
    while True:
        page.goto(url)
        if text in page.content():
            return
        assert time.monotonic() < deadline, f"{text!r} never appeared on {url}"
        page.wait_for_timeout(250)
