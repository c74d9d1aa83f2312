"""Explain this post in a real browser: the button opens a panel under the post, labelled as
the assistant's private answer, where the answer grows as it streams, in place (no page
load), as text only (markup in the post stays text); Hide folds it and the button shows it
again without asking twice."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.helpers import person

LABEL = "Explained privately by @muse (AI) — only you see this"
PAYLOAD = '<img src=x onerror="window.__xss=1">'


def test_explain_grows_in_a_panel_under_the_post(server: str, browser: Any) -> None:
    problems: list[str] = []
    alice = person(browser, server, "explain_alice", problems)
    alice.get_by_label("Post text").fill("Kites at dawn #kites")
    alice.get_by_label("Content warning (optional)").fill(PAYLOAD)
    alice.get_by_role("button", name="Post", exact=True).click()
    alice.wait_for_url(re.compile(r"/home$"))

    bob = person(browser, server, "explain_bob", problems)
    bob.goto(server + "/@explain_alice")
    bob.evaluate("window.__marker = 1")
    asks: list[str] = []
    bob.on("request", lambda r: asks.append(r.url) if r.url.endswith("/explain") else None)
    button = bob.get_by_role("button", name="Explain this post (privately, by AI)")
    button.click()
    panel = bob.locator(".explain-panel")
    panel.get_by_text(LABEL).wait_for()
    bob.locator('.explain-panel[data-state="done"]:not([aria-busy])').wait_for()
    answer = panel.locator(".explain-text")
    assert "#kites" in answer.inner_text() and PAYLOAD in answer.inner_text()
    assert answer.locator("*").count() == 0  # text nodes only
    assert bob.evaluate("window.__xss") is None
    assert bob.evaluate("window.__marker") == 1, "the page loaded again instead"
    assert button.get_attribute("aria-expanded") == "true"
    assert panel.get_attribute("aria-busy") is None

    panel.get_by_role("button", name="Hide").click()
    assert panel.is_hidden() and button.get_attribute("aria-expanded") == "false"
    button.click()
    assert panel.is_visible() and "#kites" in answer.inner_text()
    assert len(asks) == 1  # shown again, not asked again
    assert not problems, problems
