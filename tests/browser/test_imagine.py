"""Imagine in a real browser, as two people: alice generates pictures from the composer's
Imagine tab (the candidates arrive in place, with live progress, without a page load), picks
one and posts it; bob, who follows her, sees it labelled as made with sketch (a program, not
an AI model) with its recipe, remixes it, and alice is told about the remix. The word chips
add to the prompt, and the card says which words sketch drew."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.helpers import eventually, person

PROMPT = "a lighthouse at sunset, watercolor"
REMIX_PROMPT = "a lighthouse at night under the stars, watercolor"

# Set before Generate is clicked: notes whether a progress bar ever showed in the card list,
# and survives only if the page never navigates.
WATCH = """() => {
  window.__marker = 1;
  window.__sawProgress = false;
  const list = document.getElementById("generations");
  new MutationObserver(() => {
    if (list.querySelector("article.generation progress")) window.__sawProgress = true;
  }).observe(list, {childList: true, subtree: true});
}"""


def finished(page: Any) -> Any:
    """The newest card, once it is done: it stops asking for news (however long the engine
    takes on a busy machine)."""
    card_id = page.locator("#generations article.generation").first.get_attribute("id")
    page.locator(f"#{card_id}[aria-busy=false]").wait_for()
    return page.locator(f"#{card_id}")


def _generate_pick_and_post(page: Any, count: int, text: str) -> None:
    """On /imagine with the prompt filled in: generate, watch it arrive, pick one, post."""
    page.get_by_label("Images").select_option(str(count))
    before = page.locator("#generations article.generation").count()
    page.evaluate(WATCH)
    page.get_by_role("button", name="Generate").click()

    page.wait_for_function(
        "n => document.querySelectorAll('#generations article.generation').length === n",
        arg=before + 1)
    card = finished(page)
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of updating"
    assert page.evaluate("window.__sawProgress"), "no live progress was shown"
    assert card.get_attribute("aria-busy") == "false"
    assert card.locator(".candidates img").count() == count

    card.locator("label.candidate-image").first.click()
    assert card.locator("input[name='media_id']").first.is_checked()
    card.get_by_label("Post text").fill(text)
    card.get_by_role("button", name="Post picked").click()
    page.wait_for_url(re.compile(r"/home$"))


def test_imagine_post_recipe_remix(server: str, browser: Any) -> None:
    problems: list[str] = []
    alice = person(browser, server, "alice", problems)
    bob = person(browser, server, "bob", problems)

    bob.goto(server + "/@alice")
    bob.get_by_role("button", name="Follow").click()
    bob.get_by_role("button", name=re.compile("Unfollow @alice")).wait_for()

    # Alice: the composer's Imagine tab, two candidates, one posted.
    alice.goto(server + "/compose")
    alice.get_by_role("navigation", name="Composer mode").get_by_role(
        "link", name="Imagine").click()
    alice.wait_for_url(re.compile(r"/imagine$"))
    alice.get_by_label("Prompt", exact=True).fill(PROMPT)
    _generate_pick_and_post(alice, 2, "The lighthouse, as the machine sees it")
    mine = alice.locator("article", has_text="The lighthouse, as the machine sees it").first
    assert mine.locator(".media img").count() == 1
    assert mine.locator(".ai-label").inner_text() == "Made with sketch"

    # Bob: the post in his home timeline, its recipe, and Remix.
    eventually(bob, server + "/home", "The lighthouse, as the machine sees it")
    post = bob.locator("article", has_text="The lighthouse, as the machine sees it").first
    assert post.locator(".ai-label").inner_text() == "Made with sketch"
    recipe = post.locator("details.recipe")
    recipe.locator("summary", has_text="Recipe").click()
    assert recipe.locator(".recipe-prompt").inner_text() == PROMPT
    assert recipe.locator(".recipe-prompt").is_visible()

    post.get_by_role("link", name=re.compile(r"^Remix")).click()
    bob.wait_for_url(re.compile(r"/imagine\?remix_of=\d+$"))
    source_id = bob.url.rsplit("=", 1)[1]
    prompt = bob.get_by_label("Prompt", exact=True)
    assert prompt.input_value() == PROMPT
    assert "Remixing" in bob.locator(".remix-note").inner_text()
    prompt.fill(REMIX_PROMPT)
    _generate_pick_and_post(bob, 1, "Same lighthouse, later that night")
    remix = bob.locator("article", has_text="Same lighthouse, later that night").first
    assert remix.get_by_role("link", name="remix of @alice").count() == 1

    # Alice is told, and her post counts the remix.
    eventually(alice, server + "/notifications", "remixed your picture")
    eventually(alice, f"{server}/@alice/{source_id}", "1 remix")
    assert alice.get_by_role("link", name="1 remix").count() == 1
    assert not problems, problems


def test_word_chips_add_to_the_prompt_and_the_card_says_what_was_drawn(server: str,
                                                                       browser: Any) -> None:
    problems: list[str] = []
    carol = person(browser, server, "carol", problems)
    carol.goto(server + "/imagine")
    prompt = carol.get_by_label("Prompt", exact=True)
    prompt.fill("a snowy forest ")
    words = carol.locator(".prompt-words")
    words.get_by_role("button", name="fox", exact=True).click()
    assert prompt.input_value() == "a snowy forest, fox"
    words.locator("summary", has_text="More words").click()
    words.get_by_role("button", name="night", exact=True).click()
    assert prompt.input_value() == "a snowy forest, fox, night"
    prompt.press("End")
    prompt.type(", zanzibars")
    carol.get_by_label("Images").select_option("1")
    carol.get_by_role("button", name="Generate").click()
    carol.locator("#generations article.generation").first.wait_for()
    card = finished(carol)
    assert card.locator(".gen-words").inner_text() == (
        "Sketch drew: snowy, forest, fox, night · couldn't draw: zanzibars")
    assert not problems, problems
