"""Issue 18 in a real browser: bob opens For You and sees why each post is there; he says
"show less" about one and the feed changes; he writes a feed in a sentence, pins it, and its
tab shows pictures that match by meaning; he finds a picture by describing it in words it
does not use. The server embeds posts in its in-process worker, with the real model; each
step waits for what it expects (a selector, or a reload until the text shows)."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.helpers import eventually, person

FOX = "A watercolour fox curled up asleep on a snowy hill"
HARE = "Painted hare in a winter field under falling snow, soft washes of colour"
CITY = "Neon city street at night, taxis and rain on the asphalt"
LEMONS = "Three lemons in a blue bowl on a kitchen table"


def _post(page: Any, server: str, text: str) -> None:
    page.goto(server + "/home")
    page.get_by_label("Post text").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url(re.compile(r"/home$"))
    page.locator("article", has_text=text).first.wait_for()


def _item(page: Any, text: str) -> Any:
    return page.locator("div.for-you-item", has_text=text)


def test_for_you_says_why_takes_feedback_and_feeds_and_search_go_by_meaning(
    server: str, browser: Any
) -> None:
    problems: list[str] = []
    ada = person(browser, server, "ada", problems)
    bob = person(browser, server, "bob", problems)
    for text in (FOX, CITY, LEMONS, HARE):
        _post(ada, server, text)

    # Bob likes the fox: For You then knows his taste (the like is his own history).
    eventually(bob, server + "/public", FOX)
    fox = bob.locator("article", has_text=FOX).first
    fox.get_by_role("button", name=re.compile(r"^Like")).click()
    fox.locator("button.like[aria-pressed='true']").wait_for()

    # For You: ada's other posts, each with why it is there; the hare (like the fox he
    # liked) comes before the city and the lemons once the posts have their vectors.
    eventually(bob, server + "/for-you", HARE)
    bob.get_by_role("navigation", name="Feeds").get_by_role(
        "link", name="For you").wait_for()
    hare = _item(bob, HARE)
    assert "why:" in hare.locator("p.why").inner_text()
    texts = bob.locator("div.for-you-item").all_inner_texts()
    assert not any(FOX in t for t in texts), "a post he liked is already seen"
    order = [next(i for i, t in enumerate(texts) if key in t) for key in (HARE, CITY)]
    assert order[0] < order[1], texts

    # "Show less like this" on the city folds it in place (with Undo), and the next page
    # of For You leaves it out.
    _item(bob, CITY).get_by_role("button", name="Show less like this").click()
    bob.locator("div.for-you-item.collapsed").get_by_role("button", name="Undo").wait_for()
    bob.goto(server + "/for-you")
    _item(bob, HARE).wait_for()
    assert _item(bob, CITY).count() == 0

    # A feed written in a sentence, pinned: its tab shows the animals in snow.
    bob.goto(server + "/feeds")
    bob.get_by_label("Sentence", exact=True).fill("animals in the snow, painted")
    bob.get_by_label("Title (optional: the sentence otherwise)").fill("Snow animals")
    bob.get_by_label("Pin it as a tab beside Home").check()
    bob.get_by_role("button", name="Make the feed").click()
    bob.goto(server + "/home")
    bob.get_by_role("navigation", name="Feeds").get_by_role("link", name="Snow animals").click()
    bob.wait_for_url(re.compile(r"/feeds/\d+$"))
    bob.locator("article", has_text=HARE).first.wait_for()
    shown = bob.content()
    assert FOX in shown and CITY not in shown and LEMONS not in shown

    # Search by describing the picture, with none of its words.
    bob.goto(server + "/search")
    bob.get_by_label("Search people, posts and hashtags").fill("sleeping red animal in winter")
    bob.get_by_role("button", name="Search").click()
    bob.wait_for_url(re.compile(r"/search\?q="))
    first = bob.locator("section[aria-labelledby='h-posts'] article").first
    first.wait_for()
    assert FOX in first.inner_text()
    assert not problems, problems
