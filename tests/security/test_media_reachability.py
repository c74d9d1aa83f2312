"""Media are reachable only by those who may see what they belong to. Files live at keys
with a random folder, so a media id (time-ordered, guessable) finds nothing; on S3 only
public/ is readable without a signature and everything else is handed out signed and
expiring. Recipe routes answer for a hidden recipe or an unseen post as for a missing one.
Runs on the local folder and, under SALON_TEST_S3, on the bucket."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from salon.media.s3 import S3MediaStore
from salon.media.store import media_store
from tests.api.mastodon.test_endpoints import api, token_for
from tests.api.mastodon.test_generations import (
    GENERATIONS,
    account_id,
    browser_of,
    finished,
    generate,
    post_picture,
)
from tests.conftest import Site, fetch_media
from tests.web import media_base, png

EXTENSIONS = ("png", "jpg", "jpeg", "webp")


def status_of(site: Site, headers: dict[str, str], status_id: str) -> dict[str, Any] | None:
    answer = api(site, "GET", f"/api/v1/statuses/{status_id}", headers)
    return answer.json() if answer.status_code == 200 else None


def post_upload(site: Site, alice: dict[str, str], text: str, visibility: str) -> str:
    media = api(site, "POST", "/api/v2/media", alice,
                files={"file": ("a.png", png(40, 30), "image/png")}).json()
    status = api(site, "POST", "/api/v1/statuses", alice, json={
        "status": text, "media_ids": [media["id"]], "visibility": visibility}).json()
    return str(status["id"])


def urls(attachment: dict[str, Any]) -> list[str]:
    return [attachment["url"], attachment["preview_url"]]


def gets(site: Site, url: str) -> bool:
    return int(fetch_media(site.anon.client, url).status_code) == 200


def guesses(site: Site, owner: str, media_id: str, real_url: str) -> list[str]:
    """Every address an anonymous visitor could build from the ids: the old id-derived
    keys, the folders (listings), and the real address without its signature."""
    base = media_base(site.settings)
    folders = [f"{owner}/{media_id}", f"public/{owner}/{media_id}"]
    found = [f"{base}{folder}/{name}.{ext}" for folder in folders
             for name in ("original", "small") for ext in EXTENSIONS]
    found += [f"{base}{folder}/" for folder in folders]
    found += [f"{base}{owner}/", base, f"{base}{real_url.rsplit('/', 1)[0].rsplit('/', 1)[-1]}/"]
    real = urlsplit(real_url)
    if real.query:  # signed: the bare object address is refused by the bucket
        found.append(real_url.split("?", 1)[0])
    return found


def test_only_those_who_may_see_a_post_reach_its_media(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    carol, eve = token_for(site, "carol"), token_for(site, "eve")
    owner = account_id(site, alice)
    assert api(site, "POST", f"/api/v1/accounts/{owner}/follow", bob).status_code == 200
    public = post_upload(site, alice, "for all", "public")
    followers = post_upload(site, alice, "for followers", "private")
    direct = post_upload(site, alice, "@carol for you", "direct")
    candidate = finished(site, alice, generate(site, alice))["candidates"][0]
    site.run_jobs()  # publishing a public post's files (S3) happens after commit
    signs = isinstance(media_store(site.settings), S3MediaStore)

    seen = status_of(site, {}, public)
    assert seen is not None
    for url in urls(seen["media_attachments"][0]):
        assert gets(site, url)
        assert "X-Amz-Signature" not in url  # public media keep stable addresses
        if signs:
            assert "/public/" in url

    private_media: list[tuple[dict[str, Any], list[dict[str, str]]]] = [
        (candidate, [alice])]
    for status_id, readers in ((followers, [alice, bob]), (direct, [alice, carol])):
        assert status_of(site, {}, status_id) is None
        assert status_of(site, eve, status_id) is None
        shown = [status_of(site, who, status_id) for who in readers]
        assert all(s is not None for s in shown)
        private_media += [(s["media_attachments"][0], readers) for s in shown if s]

    for attachment, _readers in private_media:
        for url in urls(attachment):
            assert gets(site, url)  # what the API gave those who may see it works
            if signs:  # signed, and expiring after the configured time
                query = parse_qs(urlsplit(url).query)
                assert query["X-Amz-Expires"] == [str(site.settings.media_signed_url_seconds)]
                assert "X-Amz-Signature" in query
            for guess in guesses(site, owner, attachment["id"], url):
                assert fetch_media(site.anon.client, guess).status_code in (403, 404), guess


def test_recipe_routes_answer_for_hidden_and_unseen_posts_as_for_missing_ones(
    site: Site,
) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    shown = post_picture(site, alice, "a kite over hills")
    hidden = post_picture(site, alice, "a secret kite")
    unseen = post_picture(site, alice, "a kite for followers", visibility="private")
    alice_web, bob_web = browser_of(site, "alice"), browser_of(site, "bob")
    assert alice_web.post(f"/posts/{hidden['id']}/recipe", {"hidden": "1"}).status_code == 303
    missing = "4242424242"

    # Hiding or showing someone else's recipe: as for a post that does not exist.
    answers = [bob_web.post(f"/posts/{post_id}/recipe", {"hidden": "1"})
               for post_id in (shown["id"], unseen["id"], missing)]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1

    # Remixing from the composer and through the API.
    pages = [bob_web.get(f"/imagine?remix_of={post_id}")
             for post_id in (hidden["id"], unseen["id"], missing)]
    assert {p.status_code for p in pages} == {404} and len({p.text for p in pages}) == 1
    refusals = [api(site, "POST", GENERATIONS, bob,
                    json={"prompt": "copy", "count": 1, "remix_of": post_id})
                for post_id in (hidden["id"], unseen["id"], missing)]
    assert {r.status_code for r in refusals} == {422}
    assert len({r.text for r in refusals}) == 1
    assert bob_web.get(f"/imagine?remix_of={shown['id']}").status_code == 200


def test_a_posted_candidate_stays_reachable_as_its_recipe_is_hidden_and_shown(
    site: Site,
) -> None:
    alice = token_for(site, "alice")
    posted = post_picture(site, alice, "a kite in the open")
    alice_web = browser_of(site, "alice")
    signs = isinstance(media_store(site.settings), S3MediaStore)
    for hidden in (None, "1", "0"):  # as posted, recipe hidden, shown again
        if hidden is not None:
            assert alice_web.post(f"/posts/{posted['id']}/recipe",
                                  {"hidden": hidden}).status_code == 303
        site.run_jobs()  # publishing (S3) and writing the recipe back
        seen = status_of(site, {}, posted["id"])
        assert seen is not None
        for url in urls(seen["media_attachments"][0]):
            assert gets(site, url), (hidden, url)
            assert "X-Amz-Signature" not in url
            if signs:
                assert "/public/" in url
