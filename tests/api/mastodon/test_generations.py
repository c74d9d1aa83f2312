"""Salon's generation API through the real app and the real `sketch` engine: ask for pictures,
follow them, list and cancel them; refusals that say what to change; posting a picked
candidate with its recipe; remixes; recipes their authors hid; trending statuses."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from salon.generation import provenance
from salon.generation import service as generation_service
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import PASSWORD, Site, WebUser, fetch_media

GENERATIONS = "/api/v1/salon/generations"
SECRET = "zanzibar-lighthouse-427"  # a prompt word found nowhere else


def generate(site: Site, headers: dict[str, str], prompt: str = "a lighthouse at dawn",
             **fields: Any) -> dict[str, Any]:
    """Ask for one image (unless told otherwise); the queued Generation entity."""
    answer = api(site, "POST", GENERATIONS, headers,
                 json={"prompt": prompt, "count": 1, **fields})
    assert answer.status_code == 202, answer.text
    made: dict[str, Any] = answer.json()
    return made


def finished(site: Site, headers: dict[str, str], made: dict[str, Any]) -> dict[str, Any]:
    """The generation after the worker ran every due job."""
    site.run_jobs()
    answer = api(site, "GET", f"{GENERATIONS}/{made['id']}", headers)
    assert answer.status_code == 200, answer.text
    done: dict[str, Any] = answer.json()
    assert done["state"] == "succeeded", done
    return done


def post_picture(site: Site, headers: dict[str, str], prompt: str, text: str = "look",
                 visibility: str = "public", **fields: Any) -> dict[str, Any]:
    """Generate one picture and post it through the ordinary statuses endpoint."""
    done = finished(site, headers, generate(site, headers, prompt, **fields))
    status = api(site, "POST", "/api/v1/statuses", headers,
                 json={"status": text, "media_ids": [done["candidates"][0]["id"]],
                       "visibility": visibility})
    assert status.status_code == 200, status.text
    posted: dict[str, Any] = status.json()
    return posted


def my_generations(site: Site, headers: dict[str, str]) -> list[str]:
    answer = api(site, "GET", GENERATIONS, headers)
    assert answer.status_code == 200, answer.text
    return [g["id"] for g in answer.json()]


def browser_of(site: Site, username: str) -> WebUser:
    """The same person (signed up by token_for) signed in to the web pages."""
    person = site.visitor()
    person.get("/login")
    assert person.post("/login", {"username": username, "password": PASSWORD}
                       ).status_code == 303
    return person


def account_id(site: Site, headers: dict[str, str]) -> str:
    me: str = api(site, "GET", "/api/v1/accounts/verify_credentials", headers).json()["id"]
    return me


def fetch(site: Site, url: str) -> bytes:
    """A file the API links to, fetched as an app would (from this site or the bucket)."""
    answer = fetch_media(site.anon.client, url)
    assert answer.status_code == 200, url
    content: bytes = answer.content
    return content


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


# --- asking and following ------------------------------------------------------------------


def test_ask_with_json_or_a_form_then_follow_to_the_candidates(site: Site) -> None:
    alice = token_for(site, "alice")
    as_json = api(site, "POST", GENERATIONS, alice, json={
        "prompt": "  a watercolor   lighthouse at dawn ", "negative_prompt": "people",
        "count": 2, "aspect": "3:2", "seed": 1234, "style": "watercolor"})
    assert as_json.status_code == 202, as_json.text
    made = as_json.json()
    assert isinstance(made["id"], str) and made["id"].isdigit()
    assert {k: made[k] for k in ("state", "progress", "prompt", "negative_prompt", "engine",
                                 "model", "seed", "remix_of", "error", "finished_at",
                                 "candidates")} == {
        "state": "queued", "progress": 0, "prompt": "a watercolor lighthouse at dawn",
        "negative_prompt": "people", "engine": "sketch", "model": "salon-sketch-1",
        "seed": 1234, "remix_of": None, "error": None, "finished_at": None, "candidates": []}
    assert made["params"] == {
        "count": 2, "aspect": "3:2", "width": 1152, "height": 768, "steps": 12,
        "guidance": 7.0, "style": "watercolor", "source_media_id": None, "strength": None,
        "subseed": None, "subseed_strength": None}
    assert made["created_at"].endswith("Z") or "+" in made["created_at"]

    as_form = api(site, "POST", GENERATIONS, alice, data={"prompt": "a red kite",
                                                          "count": "1"})
    assert as_form.status_code == 202, as_form.text
    kite = as_form.json()
    assert (kite["state"], kite["params"]["aspect"], kite["params"]["width"],
            kite["params"]["height"], kite["params"]["style"]) == ("queued", "1:1", 1024,
                                                                   1024, "")
    assert 0 <= kite["seed"] <= 2**32 - 1

    site.run_jobs()
    for asked, count, width in ((made, 2, 1152), (kite, 1, 1024)):
        done = api(site, "GET", f"{GENERATIONS}/{asked['id']}", alice).json()
        assert (done["state"], done["progress"], done["error"]) == ("succeeded", 1.0, None)
        assert done["finished_at"] is not None and len(done["candidates"]) == count
        for candidate in done["candidates"]:
            assert candidate["type"] == "image"
            assert candidate["url"] and candidate["preview_url"]
            assert candidate["meta"]["original"]["width"] == width
            with Image.open(io.BytesIO(fetch(site, candidate["url"]))) as picture:
                assert picture.width == width
            assert fetch(site, candidate["preview_url"])
    # Every candidate is a picture of its own.
    pictures = api(site, "GET", f"{GENERATIONS}/{made['id']}", alice).json()["candidates"]
    assert fetch(site, pictures[0]["url"]) != fetch(site, pictures[1]["url"])


def test_a_sketch_generation_says_which_words_it_drew_and_which_not(site: Site) -> None:
    alice = token_for(site, "alice")
    made = generate(site, alice, "A red fox in a snowy forest with zanzibars",
                    negative_prompt="clouds, blurry")
    assert made["words"] is None  # known once it has run
    done = finished(site, alice, made)
    assert done["words"] == {"used": ["red", "fox", "snowy", "forest", "clouds"],
                             "ignored": ["zanzibars", "blurry"]}


def test_lists_only_own_generations_with_paging(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    first = generate(site, alice, "first")
    second = generate(site, alice, "second")
    theirs = generate(site, bob, "bob's")
    assert my_generations(site, alice) == [second["id"], first["id"]]
    assert my_generations(site, bob) == [theirs["id"]]

    page = api(site, "GET", GENERATIONS, alice, params={"limit": 1})
    assert [g["id"] for g in page.json()] == [second["id"]]
    assert 'rel="next"' in page.headers["link"]
    next_url = page.headers["link"].split(">")[0].lstrip("<")
    following = api(site, "GET", urlsplit(next_url).path + "?" + urlsplit(next_url).query,
                    alice)
    assert [g["id"] for g in following.json()] == [first["id"]]

    not_hers = api(site, "GET", f"{GENERATIONS}/{theirs['id']}", alice)
    assert not_hers.status_code == 404 and "not yours" in not_hers.json()["error"]
    assert api(site, "GET", f"{GENERATIONS}/abc", alice).status_code == 404
    assert api(site, "DELETE", f"{GENERATIONS}/{theirs['id']}", alice).status_code == 404
    assert api(site, "GET", f"{GENERATIONS}/{theirs['id']}", bob).json()["state"] == "queued"


def test_cancel_a_queued_generation_but_not_a_finished_one(site: Site) -> None:
    alice = token_for(site, "alice")
    queued = generate(site, alice, "never mind")
    cancelled = api(site, "DELETE", f"{GENERATIONS}/{queued['id']}", alice)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["finished_at"] is not None
    done = finished(site, alice, generate(site, alice, "keep this"))
    # The worker left the cancelled one alone.
    still = api(site, "GET", f"{GENERATIONS}/{queued['id']}", alice).json()
    assert (still["state"], still["candidates"]) == ("cancelled", [])
    too_late = api(site, "DELETE", f"{GENERATIONS}/{done['id']}", alice)
    assert too_late.status_code == 422
    assert too_late.json() == {
        "error": "This generation has already succeeded; nothing to cancel."}
    again = api(site, "DELETE", f"{GENERATIONS}/{queued['id']}", alice)
    assert again.status_code == 422 and "already cancelled" in again.json()["error"]


def test_tokens_need_the_right_scopes(site: Site) -> None:
    reader = token_for(site, "alice", "read")
    writer = token_for(site, "bob", "write")
    asked = {"prompt": "a kite", "count": 1}
    assert api(site, "POST", GENERATIONS, {}, json=asked).status_code == 401
    assert api(site, "GET", GENERATIONS, {}).status_code == 401
    assert api(site, "GET", f"{GENERATIONS}/1", {}).status_code == 401
    assert api(site, "DELETE", f"{GENERATIONS}/1", {}).status_code == 401
    refused = api(site, "POST", GENERATIONS, reader, json=asked)
    assert refused.status_code == 403 and refused.json() == {
        "error": "This action is outside the authorized scopes"}
    assert api(site, "GET", GENERATIONS, reader).json() == []
    made = generate(site, writer, "a kite")
    assert api(site, "DELETE", f"{GENERATIONS}/{made['id']}", reader).status_code == 403
    assert api(site, "GET", GENERATIONS, writer).status_code == 403  # needs read


# --- refusals ------------------------------------------------------------------------------

BAD_INPUT = [
    ({"prompt": ""}, 422, "Describe the picture you want: the prompt is empty."),
    ({"prompt": "   "}, 422, "the prompt is empty"),
    ({"prompt": "x" * 2001}, 422,
     "The prompt can have at most 2000 characters; this one has 2001."),
    ({"negative_prompt": "y" * 2001}, 422, "negative prompt can have at most 2000"),
    ({"engine": "dalle"}, 422, "There is no engine 'dalle' here; choose one of: sketch."),
    ({"count": 0}, 422, "Ask for 1 to 4 images, not 0."),
    ({"count": 5}, 422, "Ask for 1 to 4 images, not 5."),
    ({"count": "lots"}, 422, "The number of images must be a whole number, not 'lots'."),
    ({"aspect": "4:3"}, 422, "The aspect must be one of 1:1, 3:2, 2:3, 16:9, 9:16, not '4:3'."),
    ({"seed": -1}, 422, "The seed must be a whole number, not '-1'."),
    ({"seed": 4294967296}, 422, "The seed must be a whole number from 0 to 4294967295."),
    ({"seed": "abc"}, 422, "The seed must be a whole number, not 'abc'."),
    ({"style": "cubism"}, 422, "The sketch engine has no style 'cubism'; choose one of "
                               "watercolor, pixel art"),
    ({"strength": "strong"}, 422, "The strength must be a number from 0.0 to 1.0."),
    ({"remix_of": "latest"}, 422, "The post to remix must be a whole number, not 'latest'."),
    ({"count": 3, "quota": 2}, 429,
     "You can make 2 images a day and have 2 left. Ask for 2 or fewer, or try again later."),
    ({"prompt": "a Forbidden castle", "blocklist": "forbidden"}, 422,
     "Prompts on this instance may not contain “Forbidden”. Remove it and try again."),
]


@pytest.mark.parametrize(("fields", "status", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_what_to_change(
    site: Site, fields: dict[str, Any], status: int, message: str
) -> None:
    alice = token_for(site, "alice")
    fields = dict(fields)
    site.settings.generation_daily_quota = fields.pop("quota", 200)
    site.settings.prompt_blocklist = fields.pop("blocklist", "")
    for send in ("json", "data"):
        body = {"prompt": "a lighthouse", "count": 1, **fields}
        if send == "data":
            body = {k: str(v) for k, v in body.items()}
        answer = api(site, "POST", GENERATIONS, alice, **{send: body})
        assert answer.status_code == status, (send, answer.text)
        assert list(answer.json()) == ["error"], answer.text
        assert message in answer.json()["error"], (send, answer.json())
    assert my_generations(site, alice) == []


def test_remix_and_source_picture_must_be_ones_you_may_use(site: Site) -> None:
    alice, bob, carol = (token_for(site, n) for n in ("alice", "bob", "carol"))
    gone = api(site, "POST", "/api/v1/statuses", alice, json={"status": "bye"}).json()
    assert api(site, "DELETE", f"/api/v1/statuses/{gone['id']}", alice).status_code == 200
    private = post_picture(site, carol, "a quiet garden", "friends only", "private")
    hers = api(site, "POST", "/api/v2/media", alice,
               files={"file": ("a.png", _png(), "image/png")}).json()
    not_visible = generation_service.NO_RECIPE
    for fields, message in (
        ({"remix_of": gone["id"]}, not_visible),
        ({"remix_of": private["id"]}, not_visible),
        ({"remix_of": "987654321"}, not_visible),
        ({"source_media_id": hers["id"]},
         f"Image {hers['id']} is not one of your pictures; pick one of your own."),
    ):
        answer = api(site, "POST", GENERATIONS, bob,
                     json={"prompt": "mine now", "count": 1, **fields})
        assert (answer.status_code, answer.json()) == (422, {"error": message}), fields
    assert my_generations(site, bob) == []

    # Followers may remix a followers-only post; anyone may start from their own picture.
    api(site, "POST", f"/api/v1/accounts/{account_id(site, carol)}/follow", bob)
    assert generate(site, bob, remix_of=private["id"])["remix_of"] == private["id"]
    own = api(site, "POST", "/api/v2/media", bob,
              files={"file": ("b.png", _png(), "image/png")}).json()
    edit = generate(site, bob, "make it blue", source_media_id=own["id"], strength=0.4)
    assert (edit["params"]["source_media_id"], edit["params"]["strength"]) == (own["id"], 0.4)
    assert finished(site, bob, edit)["candidates"]


# --- posting, remixes ------------------------------------------------------------------------


def test_a_posted_candidate_carries_its_recipe(site: Site) -> None:
    alice = token_for(site, "alice")
    done = finished(site, alice, generate(
        site, alice, "an ink heron in fog", negative_prompt="boats", count=2, seed=42,
        aspect="2:3", style="ink"))
    first, second = done["candidates"]
    status = api(site, "POST", "/api/v1/statuses", alice,
                 json={"status": "heron", "media_ids": [second["id"], first["id"]]}).json()
    assert [m["id"] for m in status["media_attachments"]] == [second["id"], first["id"]]

    def made_with(seed: int) -> dict[str, Any]:
        # The sketch engine's steps and guidance are its own, never chosen: null.
        return {"prompt": "an ink heron in fog", "negative_prompt": "boats",
                "engine": "sketch", "model": "salon-sketch-1", "seed": seed, "steps": None,
                "guidance": None, "width": 768, "height": 1152, "style": "ink",
                "aspect": "2:3", "subseed": None, "subseed_strength": None}

    salon = {
        # Sketch is a procedural program: its pictures are not labelled AI-generated.
        "ai_generated": False,
        "made_with": "sketch",
        "label": "Made with sketch",
        "recipe": made_with(43),  # the first picture's
        # Each picture's own, in the post's order: the second was made with seed 43.
        "media_recipes": [{"media_id": second["id"], "recipe": made_with(43)},
                          {"media_id": first["id"], "recipe": made_with(42)}],
        "remix_of": None,
        "remixes_count": 0,
    }
    assert status["salon"] == salon
    assert api(site, "GET", f"/api/v1/statuses/{status['id']}", {}).json()["salon"] == salon
    for picture, seed in zip(status["media_attachments"], (43, 42), strict=True):
        recipe = provenance.read_recipe(fetch(site, picture["url"]))
        assert recipe is not None and (recipe["prompt"], recipe["seed"]) == (
            "an ink heron in fog", seed)
        assert "steps" not in recipe and "guidance" not in recipe

    plain: dict[str, Any] = {"ai_generated": False, "made_with": None, "label": None,
                             "recipe": None, "media_recipes": [], "remix_of": None,
                             "remixes_count": 0}
    text = api(site, "POST", "/api/v1/statuses", alice, json={"status": "just words"}).json()
    assert text["salon"] == plain
    upload = api(site, "POST", "/api/v2/media", alice,
                 files={"file": ("p.png", _png(), "image/png")}).json()
    photo = api(site, "POST", "/api/v1/statuses", alice,
                json={"status": "a photo", "media_ids": [upload["id"]]}).json()
    assert photo["salon"] == plain


def test_a_variation_says_what_it_varies_and_can_be_asked_for_again(site: Site) -> None:
    alice = token_for(site, "alice")
    done = finished(site, alice, generate(site, alice, "a glass owl", count=2, seed=5))
    varied = browser_of(site, "alice").post(f"/generations/{done['id']}/vary?position=1"
                                            "&strength=subtle")
    assert varied.status_code == 303
    newest = api(site, "GET", GENERATIONS, alice).json()[0]
    assert (newest["variation_of"], newest["variation_position"]) == (done["id"], 1)
    subseed = newest["params"]["subseed"]
    assert newest["seed"] == 6 and subseed is not None
    # A variation's recipe is asked for again with its subseed and share of it.
    again = generate(site, alice, "a glass owl", seed=6, subseed=subseed,
                     subseed_strength=newest["params"]["subseed_strength"])
    assert again["params"]["subseed"] == subseed and again["variation_of"] is None
    answer = api(site, "POST", GENERATIONS, alice, json={"prompt": "x", "subseed": 2**32})
    assert answer.status_code == 422 and "variation seed" in answer.json()["error"]


def test_a_remix_links_to_its_source_over_the_api(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    source = post_picture(site, alice, "a red kite over dunes", "kite")
    remix = generate(site, bob, "a red kite over dunes at night", remix_of=source["id"])
    assert remix["remix_of"] == source["id"]
    done = finished(site, bob, remix)
    mine = api(site, "POST", "/api/v1/statuses", bob,
               json={"status": "mine", "media_ids": [done["candidates"][0]["id"]]}).json()
    assert mine["salon"]["remix_of"] == source["id"]
    assert mine["salon"]["recipe"]["prompt"] == "a red kite over dunes at night"
    shown = api(site, "GET", f"/api/v1/statuses/{source['id']}", {}).json()
    assert shown["salon"]["remixes_count"] == 1
    for headers in ({}, alice, bob):
        listed = api(site, "GET", f"/api/v1/salon/statuses/{source['id']}/remixes", headers)
        assert [s["id"] for s in listed.json()] == [mine["id"]]
    assert api(site, "GET", "/api/v1/salon/statuses/987654321/remixes", {}).status_code == 404
    site.run_jobs()
    notes = api(site, "GET", "/api/v1/notifications", alice).json()
    remixed = [n for n in notes if n["type"] == "salon.remix"]
    assert [(n["account"]["username"], n["status"]["id"]) for n in remixed] == [
        ("bob", mine["id"])]


# --- hidden recipes --------------------------------------------------------------------------


def _hidden_post(site: Site, how: str) -> tuple[dict[str, str], dict[str, str], str]:
    """alice's public post of a generated picture whose recipe she hid; bob follows her."""
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    api(site, "POST", f"/api/v1/accounts/{account_id(site, alice)}/follow", bob)
    browser = browser_of(site, "alice")
    if how == "hidden afterwards":
        status = post_picture(site, alice, f"a {SECRET} at dusk", "guess how")
        assert status["salon"]["recipe"]["prompt"] == f"a {SECRET} at dusk"
        hidden = browser.post(f"/posts/{status['id']}/recipe", {"hidden": "1"})
        assert hidden.status_code == 303
        status_id = status["id"]
    else:
        done = finished(site, alice, generate(site, alice, f"a {SECRET} at dusk"))
        made = browser.post("/posts", {"text": "guess how", "hide_recipe": "on",
                                       "media_id": done["candidates"][0]["id"]})
        assert made.status_code == 303, made.text
        status_id = api(site, "GET", f"/api/v1/accounts/{account_id(site, alice)}/statuses",
                        alice).json()[0]["id"]
    site.run_jobs()  # fans out to home timelines; deletes the copy that had the recipe
    return alice, bob, status_id


@pytest.mark.parametrize("how", ["hidden afterwards", "posted hidden"])
def test_a_hidden_recipe_never_leaks_over_the_api(site: Site, how: str) -> None:
    alice, bob, status_id = _hidden_post(site, how)
    carol = token_for(site, "carol")
    api(site, "POST", f"/api/v1/statuses/{status_id}/favourite", carol)  # to trend
    alice_id = account_id(site, alice)
    status: dict[str, Any] = {}
    for headers in ({}, alice, bob, carol):
        answer = api(site, "GET", f"/api/v1/statuses/{status_id}", headers)
        status = answer.json()
        assert status["salon"] == {"ai_generated": False, "made_with": "sketch",
                                   "label": "Made with sketch", "recipe": None,
                                   "media_recipes": [],
                                   "remix_of": None, "remixes_count": 0}
        assert SECRET not in str(status)
        for path in ("/api/v1/timelines/public", f"/api/v1/accounts/{alice_id}/statuses",
                     "/api/v1/trends/statuses", f"/api/v1/statuses/{status_id}/context"):
            listed = api(site, "GET", path, headers).json()
            assert SECRET not in str(listed), path
    for headers in (alice, bob):
        home = api(site, "GET", "/api/v1/timelines/home", headers).json()
        assert status_id in [s["id"] for s in home]
        assert SECRET not in str(home)
    assert status_id in [s["id"] for s in api(site, "GET", "/api/v1/trends/statuses",
                                             {}).json()]
    # Nor in the files: the picture and its thumbnail.
    media = status["media_attachments"][0]
    for url in (media["url"], media["preview_url"]):
        data = fetch(site, url)
        assert provenance.read_recipe(data) is None and SECRET.encode() not in data
    # And no one can remix it.
    refused = api(site, "POST", GENERATIONS, bob,
                  json={"prompt": "copy", "count": 1, "remix_of": status_id})
    assert refused.status_code == 422
    assert refused.json()["error"] == generation_service.NO_RECIPE


def test_a_hidden_recipe_leaves_no_prompt_in_the_alt_text(site: Site) -> None:
    _alice, bob, status_id = _hidden_post(site, "posted hidden")
    answer = api(site, "GET", f"/api/v1/statuses/{status_id}", bob)
    assert SECRET not in answer.text, answer.json()["media_attachments"][0]["description"]


# --- trends ----------------------------------------------------------------------------------


def test_trending_statuses_rank_by_engagement(site: Site) -> None:
    alice, bob, carol = (token_for(site, n) for n in ("alice", "bob", "carol"))
    popular = post_picture(site, alice, "a popular sunrise", "popular")
    barely = api(site, "POST", "/api/v1/statuses", alice, json={"status": "barely"}).json()
    api(site, "POST", "/api/v1/statuses", alice, json={"status": "nobody cares"})
    api(site, "POST", f"/api/v1/statuses/{barely['id']}/favourite", carol)
    for headers in (bob, carol):
        api(site, "POST", f"/api/v1/statuses/{popular['id']}/favourite", headers)
    remixed = post_picture(site, bob, "a popular sunrise, redder", remix_of=popular["id"])
    assert remixed["salon"]["remix_of"] == popular["id"]

    trending = api(site, "GET", "/api/v1/trends/statuses", {}).json()
    assert [s["id"] for s in trending] == [popular["id"], barely["id"]]
    assert trending[0]["favourites_count"] == 2
    assert trending[0]["salon"]["remixes_count"] == 1
    second = api(site, "GET", "/api/v1/trends/statuses", {}, params={"offset": 1}).json()
    assert [s["id"] for s in second] == [barely["id"]]
    first = api(site, "GET", "/api/v1/trends/statuses", bob, params={"limit": 1}).json()
    assert [s["id"] for s in first] == [popular["id"]]
    assert api(site, "GET", "/api/v1/trends/statuses", {},
               params={"offset": 10}).json() == []
    bad = api(site, "GET", "/api/v1/trends/statuses", {}, params={"offset": "abc"})
    assert bad.status_code == 422 and bad.json() == {
        "error": "offset must be a whole number."}
