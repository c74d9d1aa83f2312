"""Imagine in the web UI, with the real `sketch` engine: the form, live cards with and without
HTMX, refusals that keep what was typed, picking and posting, recipes shown and hidden,
remixes, vary / cancel / retry, My generations, Explore, moderation and the daily quota."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.generation import provenance
from salon.generation.engines import sketch_words
from salon.generation.models import Generation
from salon.settings import Settings
from tests.conftest import fetch_media
from tests.web import CheckedSite, WebUser, elements, open_site
from tests.web.test_moderation import admin

HTMX = {"HX-Request": "true"}
SECRET = "zanzibar-lighthouse-427"  # a prompt word found nowhere else
MADE_RE = re.compile(r"^/imagine#g(\d+)$")
PROMPT_RE = re.compile(r'<textarea id="prompt"[^>]*>(.*?)</textarea>', re.DOTALL)
LABEL_RE = re.compile(r'<span class="ai-label"[^>]*>(.*?)</span>')


def words_line(card: str) -> str:
    """The card's line of the words the engine drew and could not."""
    (line,) = re.findall(r'<p class="meta gen-words">(.*?)</p>', card)
    return html.unescape(line)


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def imagine(person: WebUser, prompt: str, count: int = 1, **fields: str) -> int:
    """Ask through the form; the new generation's id."""
    response = person.post("/imagine", {"prompt": prompt, "count": str(count), **fields})
    assert response.status_code == 303, response.text[-800:]
    found = MADE_RE.match(response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def picks(person: WebUser, generation_id: int) -> list[str]:
    """The media ids of a finished generation's candidate checkboxes."""
    card = person.get(f"/generations/{generation_id}", headers=HTMX)
    assert card.status_code == 200, card.text
    return [box["value"] for box in elements(card.text, "input", type="checkbox",
                                             name="media_id")]


def picture_post(site: CheckedSite, person: WebUser, username: str, prompt: str,
                 text: str = "look", **fields: str) -> int:
    """Generate one picture, pick it and post it; the post's id."""
    made = imagine(person, prompt)
    site.run_jobs()
    (media_id,) = picks(person, made)
    return site.compose(person, username, {"media_id": media_id, "text": text, **fields})


def row(site: CheckedSite, generation_id: int) -> Generation:
    async def get(session: AsyncSession) -> Generation:
        found = await session.get(Generation, generation_id)
        assert found is not None
        return found

    made: Generation = site.call(get)
    return made


def typed_prompt(page: str) -> str:
    found = PROMPT_RE.search(page)
    assert found, "no prompt textarea"
    return html.unescape(found.group(1))


def picture_file(person: WebUser, page: str) -> bytes:
    """The full-size file the first picture of a post page links to."""
    (link, *_) = elements(page, "a", class_="media-item")
    answer = fetch_media(person.client, link["href"])
    assert answer.status_code == 200, link["href"]
    content: bytes = answer.content
    return content


# --- the form and its cards ----------------------------------------------------------------


def test_imagine_needs_sign_in_and_offers_the_engine_and_its_options(site: CheckedSite) -> None:
    away = site.anon.get("/imagine", follow_redirects=False)
    assert (away.status_code, away.headers["location"]) == (303, "/login?next=/imagine")
    alice = site.user("alice")
    page = alice.get("/imagine")
    assert page.status_code == 200
    (engine,) = re.findall(r'<select name="engine"[^>]*>(.*?)</select>', page.text, re.DOTALL)
    # The menu says the engine's short title (a phone's width holds it); the hint says more.
    assert re.search(r'<option value="sketch"[^>]* selected>Sketch</option>', engine)
    assert "Sketch (built-in procedural engine, no AI model): 1024×1024" in page.text
    aspect = re.search(r'<select name="aspect">(.*?)</select>', page.text, re.DOTALL)
    assert aspect and re.findall(r'value="([^"]+)"', aspect.group(1)) == [
        "1:1", "3:2", "2:3", "16:9", "9:16"]
    count = re.search(r'<select name="count">(.*?)</select>', page.text, re.DOTALL)
    assert count and re.findall(r'value="([^"]+)"', count.group(1)) == ["1", "2", "3", "4"]
    assert 'option value="watercolor"' in page.text
    assert "1024×1024 pixels square, up to 4 images, edits pictures." in page.text
    assert "0 of 200 images used today" in page.text


def test_the_composer_suggests_the_words_sketch_knows(site: CheckedSite) -> None:
    page = site.user("alice").get("/imagine").text
    chips = [chip["data-add-word"] for chip in elements(page, "button", class_="chip")]
    # From the engine's own word tables: every group, each word once.
    assert chips == [w for words in sketch_words.vocabulary().values() for w in words]
    assert {"fox", "cat", "dog", "bird", "fish", "horse", "person", "house", "tree", "boat",
            "car", "vase", "lemons", "forest", "night", "stormy"} <= set(chips)
    assert "Sketch knows:" in page and "More words it knows" in page
    for word in chips:  # each one is a word the engine draws
        assert sketch_words.report(word)["used"], word


def test_a_finished_card_says_which_words_sketch_drew(site: CheckedSite) -> None:
    alice = site.user("alice")
    made = imagine(alice, "a red fox in a snowy forest with zanzibars")
    site.run_jobs()
    card = alice.get(f"/generations/{made}", headers=HTMX).text
    assert words_line(card) == "Sketch drew: red, fox, snowy, forest · couldn't draw: zanzibars"
    nothing = imagine(alice, "zanzibars")
    site.run_jobs()
    assert words_line(alice.get(f"/generations/{nothing}", headers=HTMX).text) == (
        "Sketch knew none of these words · couldn't draw: zanzibars")


def test_generate_with_and_without_htmx_then_follow_the_card(site: CheckedSite) -> None:
    alice = site.user("alice")
    first = imagine(alice, "a lighthouse at dawn")
    page = alice.get("/imagine").text
    (card,) = elements(page, "article", id=f"g{first}")
    assert card["hx-get"] == f"/generations/{first}" and card["hx-trigger"].startswith("every")
    assert "Waiting for a worker…" in page

    partial = alice.post("/imagine", {"prompt": "a kite over dunes", "count": "2"},
                         headers=HTMX)
    assert partial.status_code == 200 and "<html" not in partial.text
    (queued,) = elements(partial.text, "article", class_="generation")
    second = int(queued["id"].lstrip("g"))
    assert second != first and queued["aria-busy"] == "true"
    assert queued["hx-trigger"].startswith("every") and 'class="candidate-slot"' in partial.text

    site.run_jobs()
    done = alice.get(f"/generations/{second}", headers=HTMX)
    assert done.status_code == 200 and "<html" not in done.text
    assert "hx-trigger" not in done.text and 'aria-busy="false"' in done.text
    assert len(elements(done.text, "input", type="checkbox", name="media_id")) == 2
    assert "Post picked" in done.text and "Vary (subtle)" in done.text
    whole = alice.get(f"/generations/{second}")
    assert whole.status_code == 200 and "<html" in whole.text and f'id="g{second}"' in whole.text


@pytest.mark.parametrize(("fields", "message"), [
    ({"prompt": ""}, "Describe the picture you want: the prompt is empty."),
    ({"count": "lots"}, "The number of images must be a whole number, not &#39;lots&#39;."),
    ({"engine": "dalle"}, "There is no engine &#39;dalle&#39; here; choose one of: sketch."),
    ({"seed": "-1"}, "The seed must be a whole number, not &#39;-1&#39;."),
    ({"style": "cubism"}, "The sketch engine has no style &#39;cubism&#39;"),
])
def test_bad_input_shows_the_message_and_keeps_the_prompt(
    site: CheckedSite, fields: dict[str, str], message: str
) -> None:
    alice = site.user("alice")
    typed = fields.get("prompt", 'a "quiet" harbour & <moon>')
    answer = alice.post("/imagine", {"prompt": typed, "count": "1", **fields})
    assert answer.status_code == 422 and message in answer.text
    assert typed_prompt(answer.text) == typed
    assert "<moon>" not in answer.text  # escaped
    # With HTMX the message goes to the page's flash area instead.
    flash = alice.post("/imagine", {"prompt": typed, "count": "1", **fields}, headers=HTMX)
    assert flash.status_code == 422 and flash.headers["HX-Retarget"] == "#flash"
    assert message in flash.text
    assert "No generations yet." in alice.get("/generations").text


# --- posting, recipes, remixes -----------------------------------------------------------


def test_pick_post_and_remix(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    made = imagine(alice, "a copper kite over dunes", count=2, seed="77", style="ink")
    site.run_jobs()
    ids = picks(alice, made)
    assert len(ids) == 2
    post_id = site.compose(alice, "alice", {"media_id": ids[1], "text": "my kite"})
    page = site.anon.get(f"/@alice/{post_id}").text
    # Sketch is a procedural program: no "AI-generated" label on its pictures.
    assert LABEL_RE.findall(page) == ["Made with sketch"] and "AI-generated" not in page
    assert "<summary>Recipe</summary>" in page
    assert '<dd class="recipe-prompt">a copper kite over dunes</dd>' in page
    assert "<dt>Seed</dt><dd>78</dd>" in page and "<dt>Style</dt><dd>ink</dd>" in page
    assert f'href="/imagine?remix_of={post_id}"' in page
    # The card now marks the picked one as posted.
    card = alice.get(f"/generations/{made}", headers=HTMX).text
    assert f'href="/posts/{post_id}">Posted</a>' in card
    assert len(elements(card, "input", name="media_id", disabled="")) == 1

    form = bob.get(f"/imagine?remix_of={post_id}")
    assert form.status_code == 200 and "Remixing" in form.text
    assert typed_prompt(form.text) == "a copper kite over dunes"
    assert elements(form.text, "input", name="remix_of")[0]["value"] == str(post_id)
    assert elements(form.text, "input", name="seed")[0]["value"] == "78"
    remix = imagine(bob, "a copper kite over dunes at night", remix_of=str(post_id))
    site.run_jobs()
    (pick,) = picks(bob, remix)
    remix_id = site.compose(bob, "bob", {"media_id": pick, "text": "mine"})
    assert 'remix of @alice' in site.anon.get(f"/@bob/{remix_id}").text
    assert f'href="/posts/{post_id}/remixes">1 remix</a>' in site.anon.get(
        f"/@alice/{post_id}").text
    assert f'id="p{remix_id}"' in site.anon.get(f"/posts/{post_id}/remixes").text

    words = site.compose(alice, "alice", {"text": "only words"})
    refused = bob.get(f"/imagine?remix_of={words}")
    assert refused.status_code == 404 and "has no recipe to remix" in refused.text
    assert bob.get("/imagine?remix_of=12345").text == refused.text
    assert bob.get("/imagine?remix_of=abc").status_code == 422


def test_a_hidden_recipe_is_on_no_page_until_shown_again(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    bob.post("/@alice/follow")
    post_id = picture_post(site, alice, "alice", f"a {SECRET} at dusk", "guess how #mystery",
                           hide_recipe="on")
    reply = site.compose(bob, "bob", {"text": "how?", "in_reply_to_id": str(post_id)})
    site.run_jobs()
    pages = {
        "post": site.anon.get(f"/@alice/{post_id}"),
        "reply thread": bob.get(f"/@bob/{reply}"),
        "profile": site.anon.get("/@alice"),
        "public": site.anon.get("/public"),
        "tag": site.anon.get("/tags/mystery"),
        "explore": site.anon.get("/explore"),
        "follower's home": bob.get("/home"),
        "author's post": alice.get(f"/@alice/{post_id}"),
    }
    for where, page in pages.items():
        assert page.status_code == 200, where
        assert f"/@alice/{post_id}" in page.text, where
        shown = page.text
        assert SECRET not in shown, where
        assert "Recipe</summary>" not in shown and "remix_of=" not in shown, where
        if where != "explore":
            assert "Made with sketch" in page.text, where
    assert provenance.read_recipe(picture_file(bob, pages["post"].text)) is None
    assert SECRET.encode() not in picture_file(bob, pages["post"].text)
    assert "Show the recipe" not in bob.get(f"/@alice/{post_id}").text

    mine = pages["author's post"].text
    assert "Recipe hidden" in mine and "Show the recipe" in mine
    shown_again = alice.post(f"/posts/{post_id}/recipe", {"hidden": "0"})
    assert shown_again.status_code == 303
    site.run_jobs()  # writes the recipe back into the file
    page = site.anon.get(f"/@alice/{post_id}").text
    assert f'<dd class="recipe-prompt">a {SECRET} at dusk</dd>' in page
    assert f'href="/imagine?remix_of={post_id}"' in page
    recipe = provenance.read_recipe(picture_file(bob, page))
    assert recipe is not None and recipe["prompt"] == f"a {SECRET} at dusk"
    assert "Hide the recipe" in alice.get(f"/@alice/{post_id}").text
    # Only the author may hide it.
    assert bob.post(f"/posts/{post_id}/recipe", {"hidden": "1"}).status_code == 404


def test_a_hidden_recipe_leaves_no_prompt_in_the_alt_text(site: CheckedSite) -> None:
    alice = site.user("alice")
    post_id = picture_post(site, alice, "alice", f"a {SECRET}", hide_recipe="on")
    assert SECRET not in site.anon.get(f"/@alice/{post_id}").text


# --- vary, cancel, retry ---------------------------------------------------------------------


def test_vary_cancel_and_retry(site: CheckedSite) -> None:
    alice = site.user("alice")
    made = imagine(alice, "a pencil owl", seed="500")
    site.run_jobs()
    (media_id,) = picks(alice, made)

    subtle = alice.post(f"/generations/{made}/vary?position=0&strength=subtle")
    assert subtle.status_code == 303
    found = MADE_RE.match(subtle.headers["location"])
    assert found and int(found.group(1)) != made
    near = row(site, int(found.group(1)))
    assert (near.seed, near.count, near.prompt, near.source_media_id) == (
        500, 1, "a pencil owl", None)
    assert near.subseed is not None and near.subseed_strength > 0

    strong = alice.post(f"/generations/{made}/vary?position=0&strength=strong", headers=HTMX)
    assert strong.status_code == 200
    (card,) = elements(strong.text, "article", class_="generation")
    far = row(site, int(card["id"].lstrip("g")))
    assert far.source_media_id == int(media_id) and far.strength > 0
    assert far.subseed is None and "· edit" in strong.text

    for bad in ("position=3&strength=subtle", "position=0&strength=wild", "strength=strong"):
        assert alice.post(f"/generations/{made}/vary?{bad}").status_code == 422, bad
    assert alice.post(f"/generations/{made}/explode").status_code == 422

    cancelled = alice.post(f"/generations/{near.id}/cancel")
    assert (cancelled.status_code, cancelled.headers["location"]) == (303,
                                                                      f"/imagine#g{near.id}")
    card_page = alice.get(f"/generations/{near.id}", headers=HTMX).text
    assert "Cancelled." in card_page and f'action="/generations/{near.id}/retry"' in card_page
    site.run_jobs()  # the image-to-image one runs; the cancelled one is left alone
    assert row(site, far.id).state == "succeeded" and row(site, near.id).state == "cancelled"
    assert len(picks(alice, far.id)) == 1

    again = alice.post(f"/generations/{near.id}/retry", headers=HTMX)
    assert again.status_code == 200 and "Waiting for a worker…" in again.text
    site.run_jobs()
    assert row(site, near.id).state == "succeeded" and len(picks(alice, near.id)) == 1
    assert alice.post(f"/generations/{near.id}/cancel").status_code == 422
    assert alice.post(f"/generations/{near.id}/retry").status_code == 422


def test_my_generations_are_mine_only(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    mine = [imagine(alice, "first"), imagine(alice, "second")]
    theirs = imagine(bob, "bob's own")
    page = alice.get("/generations").text
    shown = [a["id"] for a in elements(page, "article", class_="generation")]
    assert shown == [f"g{mine[1]}", f"g{mine[0]}"] and "bob&#39;s own" not in page
    for headers in ({}, HTMX):
        assert alice.get(f"/generations/{theirs}", headers=headers).status_code == 404
    assert alice.post(f"/generations/{theirs}/cancel").status_code == 404
    assert row(site, theirs).state == "queued"
    assert site.anon.get("/generations", follow_redirects=False).status_code == 303


# --- explore, moderation, quota ------------------------------------------------------------


def test_explore_shows_generated_pictures_by_hashtag(site: CheckedSite) -> None:
    alice = site.user("alice")
    made = imagine(alice, "a sunset over a forest", count=2)
    site.run_jobs()
    first, second = picks(alice, made)
    sunset = site.compose(alice, "alice", {"media_id": first, "text": "evening #sunset"})
    forest = site.compose(alice, "alice", {"media_id": second, "text": "trees #forest"})
    words = site.compose(alice, "alice", {"text": "no picture #sunset"})

    def grid(path: str) -> list[str]:
        page = site.anon.get(path)
        assert page.status_code == 200
        return [a["href"] for a in elements(page.text, "a", class_="explore-item")]

    assert grid("/explore") == [f"/@alice/{forest}", f"/@alice/{sunset}"]
    assert f"/@alice/{words}" not in site.anon.get("/explore").text
    assert grid("/explore?tag=sunset") == [f"/@alice/{sunset}"]
    assert grid("/explore?tag=%23forest") == [f"/@alice/{forest}"]
    assert grid("/explore?tag=sea") == []
    assert "No pictures tagged #sea in the last week." in site.anon.get("/explore?tag=sea").text


def test_moderators_see_who_was_refused(site: CheckedSite) -> None:
    alice = site.user("alice")
    site.settings.prompt_blocklist = "forbiddenword"
    refused = alice.post("/imagine", {"prompt": "a ForbiddenWord castle", "count": "1"})
    assert refused.status_code == 422
    assert "may not contain “ForbiddenWord”. Remove it and try again." in refused.text
    assert typed_prompt(refused.text) == "a ForbiddenWord castle"
    site.settings.generation_daily_quota = 1
    assert alice.post("/imagine", {"prompt": "a castle", "count": "2"}).status_code == 429
    mod = admin(site)
    page = mod.get("/admin/reports").text
    section = page.split('id="refused-prompts"')[1].split("</section>")[0]
    assert 'href="/@alice"' in section and "1 blocked prompt · 1 over quota" in section


def test_the_daily_quota_says_how_many_are_left(site: CheckedSite) -> None:
    site.settings.generation_daily_quota = 2
    alice = site.user("alice")
    too_many = alice.post("/imagine", {"prompt": "a swarm of bees", "count": "4"})
    assert too_many.status_code == 429
    assert ("You can make 2 images a day and have 2 left. Ask for 2 or fewer, or try again "
            "later.") in too_many.text
    assert typed_prompt(too_many.text) == "a swarm of bees"
    made = imagine(alice, "two bees", count=2)
    assert "2 of 2 images used today" in alice.get("/imagine").text
    none_left = alice.post("/imagine", {"prompt": "one more bee", "count": "1"})
    assert none_left.status_code == 429
    assert "have 0 left. Try again later." in none_left.text
    # Cancelled pictures are given back.
    assert alice.post(f"/generations/{made}/cancel").status_code == 303
    assert "0 of 2 images used today" in alice.get("/imagine").text
    assert imagine(alice, "one more bee")
