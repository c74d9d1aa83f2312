"""'Load newer posts' in a real browser: a fresh timeline does not offer it (and a check
that finds nothing keeps it hidden); once someone alice follows posts, it appears without a
reload, and a click brings the new post in place."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.helpers import GUARD_MS as WAIT_MS
from tests.browser.helpers import person


def _is_check(response: Any) -> bool:
    return bool(response.request.headers.get("x-salon-check") == "newer")


def test_load_newer_appears_when_there_is_something_newer(server: str, browser: Any) -> None:
    problems: list[str] = []
    alice = person(browser, server, "newer_alice", problems)
    bob = person(browser, server, "newer_bob", problems)
    alice.goto(server + "/@newer_bob")
    alice.get_by_role("button", name="Follow").click()
    alice.get_by_role("button", name=re.compile("Unfollow @newer_bob")).wait_for()

    alice.goto(server + "/home")
    alice.evaluate("window.__marker = 1")
    newer = alice.locator("#load-newer")
    assert newer.is_hidden()
    with alice.expect_response(_is_check, timeout=WAIT_MS) as checked:
        pass
    assert checked.value.status == 204
    assert newer.is_hidden() and alice.get_by_text("Load newer posts").is_hidden()

    bob.goto(server + "/home")
    bob.get_by_label("Post text").fill("Fresh from bob")
    bob.get_by_role("button", name="Post", exact=True).click()
    bob.wait_for_url(re.compile(r"/home$"))

    link = alice.get_by_role("link", name="Load newer posts")
    link.wait_for(state="visible", timeout=WAIT_MS)
    link.click()
    alice.locator("article", has_text="Fresh from bob").wait_for()
    assert alice.evaluate("window.__marker") == 1, "the page reloaded instead of updating"
    assert newer.is_hidden()  # nothing newer than bob's post yet
    assert not problems, problems
