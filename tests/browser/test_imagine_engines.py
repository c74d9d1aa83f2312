"""Choosing an engine in the composer, in a real browser, on a server offering the sketch
engine and the diffusers engine (a tiny random-weight pipeline with a tiny autoencoder for
previews): the form is drawn again for the chosen engine, keeping what was typed, and a
diffusers generation shows pictures in progress before its candidates arrive."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from salon.bench.pipelines import build, build_tiny_autoencoder
from tests.browser.helpers import person
from tests.browser.test_imagine import finished
from tests.conftest import _free_port, process_env, salon_serve, settings_for
from tests.databases import Databases

# Set before Generate is clicked: notes whether a preview picture ever showed in the card.
WATCH_PREVIEWS = """() => {
  window.__sawPreview = false;
  const list = document.getElementById("generations");
  new MutationObserver(() => {
    if (list.querySelector("article.generation img.preview")) window.__sawPreview = true;
  }).observe(list, {childList: true, subtree: true});
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[str]:
    data = tmp_path_factory.mktemp("engines-site")
    model = build("tiny-sd", data / "tiny-sd")
    taesd = build_tiny_autoencoder(data / "taesd")
    port = _free_port()
    database = databases.fresh(data)
    env = {**process_env(settings_for(data, database)), "SALON_WORKER_POLL_SECONDS": "0.1",
           "SALON_BASE_URL": f"http://127.0.0.1:{port}", "SALON_ENGINES": "sketch,diffusers",
           "SALON_DIFFUSERS_MODEL": str(model), "SALON_DIFFUSERS_PREVIEW_VAE": str(taesd),
           # Enough tiny steps for the live view to show some previews (about three seconds
           # on a quiet machine), and no more: a busy one takes many times as long.
           "SALON_DIFFUSERS_STEPS": "60"}
    try:
        with salon_serve(env, data / "server.log", port) as base:
            yield base
    finally:
        databases.drop(database)


def test_the_form_follows_the_engine_and_previews_show_while_it_works(
    server: str, browser: Any
) -> None:
    problems: list[str] = []
    page = person(browser, server, "ada", problems)
    page.goto(server + "/imagine")
    page.get_by_label("Prompt", exact=True).fill("a harbour at dusk")
    assert page.get_by_label("Style").count() == 1  # the sketch engine has styles
    page.get_by_label("Engine").select_option("diffusers")
    page.wait_for_function("() => !document.querySelector('select[name=style]')")
    assert page.get_by_label("Prompt", exact=True).input_value() == "a harbour at dusk"
    assert page.get_by_label("Engine").input_value() == "diffusers"
    aspects = page.locator("select[name=aspect] option").all_inner_texts()
    assert aspects == ["1:1", "3:2", "2:3", "16:9", "9:16"]
    assert "64×64 pixels square, up to 4 images, edits pictures, shows them as they form." \
        in page.locator(".engine-caps").inner_text()

    page.get_by_label("Images").select_option("2")
    page.evaluate(WATCH_PREVIEWS)
    page.get_by_role("button", name="Generate").click()
    page.locator("#generations article.generation").first.wait_for()
    card = finished(page)
    assert page.evaluate("window.__sawPreview"), "no preview showed while it worked"
    assert card.locator(".candidates img").count() == 2
    assert re.search(r"diffusers · 1:1 · seed \d+", card.inner_text())
    assert not problems, problems
