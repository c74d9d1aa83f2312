"""The signals for AI crawlers, for people who consented and people who did not: pages
(`X-Robots-Tag` and `<meta name="robots">`), picture files, API answers, /ai.txt, and the
training-and-mining assertion in generated files' content credentials."""

from __future__ import annotations

import re
from typing import Any

from salon.accounts import service as accounts
from salon.datasets import service as consent
from salon.generation import credentials
from salon.generation import service as generation
from salon.generation.schemas import GenerationSpec
from salon.media.models import MediaAttachment
from salon.media.store import LocalMediaStore
from salon.posts import interactions
from salon.posts import service as posts
from salon.settings import Settings
from salon.web.media_signals import MediaSignals
from tests.conftest import Site, fetch_media

EVERYTHING = {"posts": True, "generated": True, "uploads": True, "choices": True}
NEITHER = "noai, noimageai"


def robots_meta(html: str) -> str:
    found = re.search(r'<meta name="robots" content="([^"]*)">', html)
    assert found, "no robots meta"
    return found.group(1)


def made_and_posted(site: Site, settings: Settings, username: str,
                    wanted: dict[str, bool], visibility: str = "public") -> dict[str, Any]:
    """`username` with consent `wanted`, a generated picture posted and its files' keys."""
    site.user(username)

    async def ask(session: Any) -> int:
        me = await accounts.get_by_username(session, username)
        await consent.set_consent(session, me.id, wanted)
        asked = await generation.request(session, settings, me,
                                         GenerationSpec(f"a kite {username}", count=1))
        return asked.id

    generation_id = site.call(ask)
    site.run_jobs()

    async def post(session: Any) -> dict[str, Any]:
        me = await accounts.get_by_username(session, username)
        [view] = (await generation.candidates(session, [generation_id]))[generation_id]
        media = view.media
        assert isinstance(media, MediaAttachment)
        made = await posts.create_post(session, me, f"Kite by {username}",
                                       media_ids=[media.id], visibility=visibility)
        return {"post": made.id, "media": media.id}

    found = site.call(post)
    site.run_jobs()  # publishing moves the files to public keys

    async def keys(session: Any) -> dict[str, Any]:
        media = await session.get(MediaAttachment, found["media"])
        return {**found, "file": media.file_key, "thumb": media.thumb_key}

    return dict(site.call(keys))


def test_pages_files_and_answers_say_what_may_be_trained_on(site: Site,
                                                            settings: Settings) -> None:
    ada = made_and_posted(site, settings, "ada", EVERYTHING)
    bob = made_and_posted(site, settings, "bob", {})
    cat = made_and_posted(site, settings, "cat", {"posts": True})
    visitor = site.visitor()

    for who, said in (("ada", "all"), ("bob", NEITHER), ("cat", "noimageai")):
        profile = visitor.get(f"/@{who}")
        assert profile.headers["x-robots-tag"] == said == robots_meta(profile.text), who
    thread = visitor.get(f"/@ada/{ada['post']}")
    assert thread.headers["x-robots-tag"] == "all" == robots_meta(thread.text)
    thread = visitor.get(f"/@bob/{bob['post']}")
    assert thread.headers["x-robots-tag"] == NEITHER == robots_meta(thread.text)
    # A page of many people, and any page that does not decide: nothing.
    for path in ("/public", "/login", "/explore"):
        shown = visitor.get(path)
        assert shown.headers["x-robots-tag"] == NEITHER == robots_meta(shown.text), path

    # Picture files: by their author's consent to their kind (files an object store serves
    # carry no header: the store answers without Salon).
    store = site.app.state.store
    local = isinstance(store, LocalMediaStore)
    for made, said in ((ada, "all"), (bob, NEITHER), (cat, NEITHER)):
        for name in ("file", "thumb"):
            served = fetch_media(visitor.client, store.url(made[name]))
            assert served.status_code == 200
            assert served.headers.get("x-robots-tag") == (said if local else None)

    # API answers: a status by its author; a timeline, nothing.
    for made, said in ((ada, "all"), (bob, NEITHER), (cat, "noimageai")):
        answer = visitor.client.get(f"/api/v1/statuses/{made['post']}")
        assert answer.status_code == 200 and answer.headers["x-robots-tag"] == said
    assert visitor.client.get("/api/v1/timelines/public").headers["x-robots-tag"] == NEITHER

    # What a page carries counts too: ada reposts bob, and her profile no longer says all.
    async def repost(session: Any) -> None:
        me = await accounts.get_by_username(session, "ada")
        await interactions.repost(session, me, bob["post"])

    site.call(repost)
    assert visitor.get("/@ada").headers["x-robots-tag"] == NEITHER
    # A picture eve generated but posted to her followers only: nothing, whatever she allows.
    hidden = made_and_posted(site, settings, "eve", EVERYTHING, visibility="private")
    if local:
        served = fetch_media(visitor.client, store.url(hidden["file"]))
        assert served.headers["x-robots-tag"] == NEITHER

    text = visitor.client.get("/ai.txt")
    assert text.status_code == 200 and "User-Agent: *\nDisallow: /" in text.text
    assert "X-Robots-Tag" in text.text and text.headers["content-type"].startswith("text/plain")

    # Content credentials: allowed only for whoever allowed their generated pictures.
    for made, use in ((ada, "allowed"), (bob, "notAllowed"), (cat, "notAllowed")):
        data = fetch_media(visitor.client, store.url(made["file"])).content
        read = credentials.read(data, "image/png", settings)
        assert read.valid, read.explanations
        [mining] = [a for a in read.manifest["assertions"]
                    if a["label"] == credentials.TRAINING_MINING]
        assert {e["use"] for e in mining["data"]["entries"].values()} == {use}


def test_a_person_opts_in_and_out_in_settings_and_sees_every_change(site: Site) -> None:
    dan = site.user("dan")
    page = dan.get("/settings/data")
    assert page.status_code == 200 and "No export holds anything of yours" in page.text
    assert 'name="posts" checked' not in page.text  # off until given
    saved = dan.post("/settings/data", {"posts": "on", "generated": "on"})
    assert saved.status_code == 303
    page = dan.get("/settings/data")
    assert 'name="posts" checked' in page.text and 'name="uploads" checked' not in page.text
    dan.post("/settings/data", {"generated": "on"})  # posts taken back
    page = dan.get("/settings/data")
    assert 'name="posts" checked' not in page.text
    assert page.text.count("The text of my public posts: ") == 2  # given, then taken back
    assert dan.get("/@dan").headers["x-robots-tag"] == NEITHER


async def test_avatars_and_headers_allow_nothing() -> None:
    """Decided from the path alone, before anything is read: an avatar or a header is not
    a picture anyone consented to give, whoever owns it."""
    signals_of = MediaSignals(app=None)  # type: ignore[arg-type]
    for path in ("/media/public/7/abc/avatar.png", "/media/7/abc/header.jpg", "/media/x.png"):
        assert await signals_of.tag({}, path) == NEITHER, path
