"""Imagine's form and cards in a real browser: the daily counter follows Generate without a
page load, Vary's new card shows where the person looks and names its source card, and the
engine menu fits a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.helpers import person
from tests.browser.test_imagine import finished

CARDS = "#generations article.generation"
# Whether the element (by id: a live card is drawn again as it works) shows its first line
# on the screen, not under the sticky header: what is drawn there belongs to it.
SHOWN = """id => {
  const el = document.getElementById(id);
  if (!el) return false;
  const box = el.getBoundingClientRect();
  const x = box.left + Math.min(box.width / 2, 40), y = box.top + 10;
  return y > 0 && y < innerHeight && el.contains(document.elementFromPoint(x, y));
}"""


def _generate(page: Any, prompt: str, count: int) -> Any:
    before = page.locator(CARDS).count()
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Images").select_option(str(count))
    page.get_by_role("button", name="Generate").click()
    page.locator(CARDS).nth(before).wait_for()
    return finished(page)


def test_the_counter_follows_generate_without_a_reload(server: str, browser: Any) -> None:
    problems: list[str] = []
    page = person(browser, server, "cleo", problems)
    page.goto(server + "/imagine")
    assert page.locator("#images-used").inner_text() == "0 of 200 images used today"
    page.evaluate("window.__marker = 1")
    page.get_by_label("Prompt", exact=True).fill("a tin robot")
    page.get_by_label("Images").select_option("3")
    page.get_by_role("button", name="Generate").click()
    page.locator("#images-used", has_text="3 of 200 images used today").wait_for()
    assert page.locator("#images-used").count() == 1
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of updating"
    assert not problems, problems


def test_vary_shows_its_card_and_names_the_source(server: str, browser: Any) -> None:
    problems: list[str] = []
    page = person(browser, server, "dora", problems, viewport={"width": 390, "height": 800})
    page.goto(server + "/imagine")
    source = _generate(page, "a harbour with red boats", 4)
    source_id = source.get_attribute("id")
    page.evaluate("window.__marker = 1")

    # Vary the last candidate, from where it is on the screen.
    last = source.locator(".candidate").nth(3)
    last.scroll_into_view_if_needed()
    last.get_by_role("button", name="Vary (subtle)").click()
    page.locator(CARDS).nth(1).wait_for()  # the source's card and the variation's
    varied = page.locator(CARDS).first
    assert varied.get_attribute("id") != source_id
    label = varied.locator(".variation-of")
    assert label.inner_text().strip() == "Variation of candidate 4"
    page.wait_for_function(SHOWN, arg=varied.get_attribute("id"))

    # The label points at the source card: on this page, it scrolls there.
    label.get_by_role("link", name="candidate 4").click()
    page.wait_for_function(SHOWN, arg=source_id)
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of scrolling"
    assert not problems, problems


@pytest.mark.parametrize("width", [360, 390])
def test_the_engine_menu_fits_a_phone(server: str, browser: Any, width: int) -> None:
    problems: list[str] = []
    page = person(browser, server, f"phone{width}", problems,
                  viewport={"width": width, "height": 800})
    page.goto(server + "/imagine")
    # A closed menu cannot wrap: it is cut when its text wants more than the screen gives.
    room = page.evaluate("""() => {
      const menu = document.querySelector("select[name=engine]");
      const form = document.querySelector("form.imagine");
      return {wants: menu.getBoundingClientRect().width,
              has: menu.closest("label").clientWidth,
              right: menu.getBoundingClientRect().right,
              overflow: form.scrollWidth - form.clientWidth};
    }""")
    assert room["wants"] < room["has"], room  # sized by its text, not squeezed
    assert room["right"] <= width and room["overflow"] <= 0, room
    # What the short name leaves out is said under the menu.
    assert page.locator("#engine-caps").inner_text().startswith(
        "Sketch (built-in procedural engine, no AI model): ")
    assert not problems, problems
