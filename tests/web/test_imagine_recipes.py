"""Recipes of posts with several generated pictures (each picture's own seed, a Remix from
each), remixing with the whole recipe (the number of images, a variation's noise), the
daily counter that follows each generation, and Vary's card that names its source."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image

from salon.settings import Settings
from tests.conftest import fetch_media
from tests.web import CheckedSite, WebUser, elements, open_site
from tests.web.test_imagine import HTMX, MADE_RE, imagine, picks, row, typed_prompt


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def form_value(page: str, name: str) -> str:
    """What the Imagine form holds for `name`: an input's value or a select's choice."""
    found = elements(page, "input", name=name)
    if found:
        return found[0].get("value") or ""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select, f"no field {name}"
    chosen = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))
    return chosen.group(1) if chosen else ""


def recipe_rows(page: str) -> list[tuple[str, str]]:
    """The (term, value) rows of the first recipe's shared list."""
    (shared,) = re.findall(r'<details class="recipe">\s*<summary>Recipe</summary>\s*<dl>(.*?)'
                           r"</dl>", page, re.DOTALL)
    return re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", shared)


def pictures(page: str) -> list[tuple[str, str, str]]:
    """Each picture's own recipe rows: (title, its rows as text, its Remix link)."""
    return re.findall(r'<li id="recipe-[^"]+"><span class="recipe-picture">(.*?)</span>'
                      r'<dl>(.*?)</dl><a class="remix-picture" href="([^"]+)"', page)


def pixels(person: WebUser, media_url: str) -> bytes:
    answer = fetch_media(person.client, media_url)
    assert answer.status_code == 200, media_url
    return Image.open(io.BytesIO(answer.content)).convert("RGB").tobytes()


def test_each_picture_shows_its_own_seed_and_remixes_from_it(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    made = imagine(alice, "three paper boats", count=3, seed="100", style="ink")
    site.run_jobs()
    first, _second, third = picks(alice, made)
    post_id = site.compose(alice, "alice", {"media_id": [first, third], "text": "boats"})
    site.run_jobs()  # a public post's files move where anyone may read them
    page = site.anon.get(f"/@alice/{post_id}").text

    # Shared once: the prompt, engine, size and style; the sketch engine's steps and
    # guidance are its own (never chosen), so the recipe leaves them out.
    shared = dict(recipe_rows(page))
    assert shared["Prompt"] == "three paper boats" and shared["Style"] == "ink"
    assert shared["Engine"] == "sketch (salon-sketch-1)"
    assert {"Seed", "Steps", "Guidance"}.isdisjoint(shared)
    # Each picture its own seed (the file of the second says 102, and so does the page).
    assert [(title, rows) for title, rows, _link in pictures(page)] == [
        ("Picture 1", "<dt>Seed</dt><dd>100</dd>"), ("Picture 2", "<dt>Seed</dt><dd>102</dd>")]
    links = [link.replace("&amp;", "&") for _t, _r, link in pictures(page)]
    assert links == [f"/imagine?remix_of={post_id}&picture={first}",
                     f"/imagine?remix_of={post_id}&picture={third}"]

    # Remix from the second picture: its seed, and the source's number of images and style.
    form = bob.get(links[1])
    assert form.status_code == 200 and "Remixing" in form.text
    assert typed_prompt(form.text) == "three paper boats"
    assert [form_value(form.text, k) for k in ("seed", "count", "style", "aspect", "engine",
                                               "remix_of")] == [
        "102", "3", "ink", "1:1", "sketch", str(post_id)]
    assert form_value(bob.get(f"/imagine?remix_of={post_id}").text, "seed") == "100"
    # ... and it makes that picture again as its first.
    remix = imagine(bob, "three paper boats", count=1, seed="102", style="ink",
                    remix_of=str(post_id))
    site.run_jobs()
    (again,) = elements(bob.get(f"/generations/{remix}", headers=HTMX).text, "a",
                        download="")
    originals = [a["href"] for a in elements(page, "a", class_="media-item")]
    assert pixels(bob, again["href"]) == pixels(bob, originals[1])

    # The engine menu draws the form again with what it holds: that wins over the source.
    redrawn = bob.get(f"/imagine?remix_of={post_id}&prompt=boats+at+night&count=2&seed="
                      "&engine=sketch&style=")
    assert typed_prompt(redrawn.text) == "boats at night"
    assert [form_value(redrawn.text, k) for k in ("seed", "count", "style")] == ["", "2", ""]

    # A picture that is not one of the post's reads as no recipe at all.
    other = imagine(alice, "a lone boat")
    site.run_jobs()
    (elsewhere,) = picks(alice, other)
    refused = bob.get(f"/imagine?remix_of={post_id}&picture={elsewhere}")
    assert refused.status_code == 404 and "has no recipe to remix" in refused.text
    assert bob.get(f"/imagine?remix_of={post_id}&picture=first").status_code == 422


def test_a_variation_is_remade_from_its_recipe(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    made = imagine(alice, "a glass owl", count=2, seed="7")
    site.run_jobs()
    varied = alice.post(f"/generations/{made}/vary?position=1&strength=subtle")
    found = MADE_RE.match(varied.headers["location"])
    assert found
    variation = row(site, int(found.group(1)))
    assert variation.subseed is not None
    site.run_jobs()
    post_id = site.compose(alice, "alice", {"media_id": picks(alice, variation.id),
                                            "text": "owls"})
    site.run_jobs()  # a public post's files move where anyone may read them
    page = site.anon.get(f"/@alice/{post_id}").text
    share = round(variation.subseed_strength * 100)
    # Both pictures: seed 8 (the varied candidate's) and 9, each with its own other noise.
    assert [rows for _t, rows, _l in pictures(page)] == [
        f"<dt>Seed</dt><dd>{8 + i}</dd><dt>Variation</dt>"
        f"<dd>seed {variation.subseed + i}, {share}% mixed in</dd>" for i in range(2)]

    (_, _, link), = pictures(page)[1:]
    form = bob.get(link.replace("&amp;", "&")).text
    assert [form_value(form, k) for k in ("seed", "subseed", "count")] == [
        "9", str(variation.subseed + 1), "2"]
    fields = {k: form_value(form, k) for k in ("seed", "subseed", "subseed_strength",
                                               "remix_of")}
    remix = imagine(bob, "a glass owl", count=1, **fields)
    site.run_jobs()
    (again,) = elements(bob.get(f"/generations/{remix}", headers=HTMX).text, "a",
                        download="")
    originals = [a["href"] for a in elements(page, "a", class_="media-item")]
    assert pixels(bob, again["href"]) == pixels(bob, originals[1])
    assert bob.post("/imagine", {"prompt": "x", "subseed": str(2**32)}).status_code == 422


def test_the_daily_counter_follows_each_generation(site: CheckedSite) -> None:
    alice = site.user("alice")

    def counter(page: str) -> str:
        (span,) = re.findall(r'<span class="meta images-used" id="images-used"'
                             r'( hx-swap-oob="true")?>(.*?)</span>', page)
        return ("oob " if span[0] else "") + span[1]

    asked = alice.post("/imagine", {"prompt": "two foxes", "count": "2"}, headers=HTMX)
    assert counter(asked.text) == "oob 2 of 200 images used today"
    card = elements(asked.text, "article", class_="generation")[0]
    made = int(card["id"].lstrip("g"))
    # A card that is still working asks often: it leaves the counter alone.
    assert "images-used" not in alice.get(f"/generations/{made}", headers=HTMX).text
    cancelled = alice.post(f"/generations/{made}/cancel", headers=HTMX)
    assert counter(cancelled.text) == "oob 0 of 200 images used today"  # given back
    retried = alice.post(f"/generations/{made}/retry", headers=HTMX)
    assert counter(retried.text) == "oob 2 of 200 images used today"
    site.run_jobs()
    assert counter(alice.get(f"/generations/{made}", headers=HTMX).text) == (
        "oob 2 of 200 images used today")
    # Both pages that hold cards show the counter the answers update.
    assert counter(alice.get("/imagine").text) == "2 of 200 images used today"
    assert counter(alice.get("/generations").text) == "2 of 200 images used today"


def test_a_variation_names_its_source_and_is_shown(site: CheckedSite) -> None:
    alice = site.user("alice")
    made = imagine(alice, "a paper crane", count=2)
    site.run_jobs()
    for strength in ("subtle", "strong"):
        varied = alice.post(f"/generations/{made}/vary?position=1&strength={strength}",
                            headers=HTMX)
        (card,) = elements(varied.text, "article", class_="generation")
        # Swapped in at the top of the list and scrolled to, wherever the person was.
        assert varied.headers["HX-Reswap"] == f"afterbegin show:#{card['id']}:top"
        (source,) = elements(varied.text, "a", **{"data-card": f"g{made}"})
        assert source["href"] == f"/generations/{made}"
        (label,) = re.findall(r'<p class="variation-of">(.*?)</p>', varied.text)
        assert " ".join(re.sub(r"<[^>]+>", "", label).split()) == "Variation of candidate 2" + (
            " (strong)" if strength == "strong" else "")
        assert row(site, int(card["id"].lstrip("g"))).variation_of_id == made
    # After a reload too, and a new generation is no variation.
    page = alice.get("/imagine").text
    assert page.count(f'data-card="g{made}"') == 2
    fresh = alice.post("/imagine", {"prompt": "a crane", "count": "1"}, headers=HTMX)
    assert "Variation of" not in fresh.text


def test_a_card_shows_a_seed_only_where_the_engine_takes_one(site: CheckedSite) -> None:
    site.settings.engines, site.settings.openai_model = "sketch,openai", "gpt-image-1"
    alice = site.user("alice")
    for engine, meta in (("sketch", r"sketch · 1:1 · seed \d+<"), ("openai", "openai · 1:1<")):
        card = alice.post("/imagine", {"prompt": "a kite", "count": "1", "engine": engine},
                          headers=HTMX)
        assert card.status_code == 200, card.text
        assert re.search(r'<p class="meta">' + meta, card.text), engine
