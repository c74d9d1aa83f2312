"""The S3 media store against a real HTTP S3 endpoint (a moto server, see tests/databases.py):
bytes in and out, checked keys, public addresses, and uploads and generations through the
app landing in the bucket, whichever mode the rest of the suite runs in."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.generation import service as generation
from salon.generation.models import State
from salon.generation.schemas import GenerationSpec
from salon.jobs.worker import Worker
from salon.media.s3 import S3Location, S3MediaStore
from salon.media.store import LocalMediaStore, media_origin, media_store
from salon.settings import Settings, configure
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import People
from tests.databases import S3_BUCKET, Databases, S3Server
from tests.web import articles, elements, open_site, png


@pytest.fixture(scope="session")
def s3(databases: Databases) -> Iterator[S3Server]:
    """The suite's S3 server under SALON_TEST_S3, else one of our own."""
    if databases.s3 is not None:
        yield databases.s3
        return
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def s3_settings(settings: Settings, s3: S3Server) -> Settings:
    """This test's settings with media in the bucket, under a prefix of its own."""
    return configure(settings.model_copy(update=s3.settings(f"t-{uuid.uuid4().hex[:12]}")))


@pytest.fixture
def store(s3_settings: Settings) -> S3MediaStore:
    found = media_store(s3_settings)
    assert isinstance(found, S3MediaStore)
    return found


def fetch(url: str) -> tuple[bytes, str]:
    """What a browser gets from a public address: the bytes and their Content-Type."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers["content-type"]


async def test_put_get_delete_and_url(store: S3MediaStore, s3_settings: Settings) -> None:
    key = "public/7/1/original.webp"
    await store.put(key, b"picture", "image/webp")
    assert await store.get(key) == b"picture"
    assert await store.content_type(key) == "image/webp"
    prefix = store.location.prefix
    url = store.url(key)
    assert url == f"{s3_settings.media_public_url}/{prefix}/{key}"
    assert fetch(url) == (b"picture", "image/webp")
    await store.put(key, b"replaced", "image/png")
    assert await store.get(key) == b"replaced"
    await store.delete(key)
    with pytest.raises(FileNotFoundError):
        await store.get(key)


async def test_private_keys_get_signed_expiring_urls(store: S3MediaStore) -> None:
    await store.put("7/1/original.webp", b"private", "image/webp")
    url = store.url("7/1/original.webp")
    assert "X-Amz-Signature=" in url and f"X-Amz-Expires={store.signed_seconds}" in url
    assert fetch(url) == (b"private", "image/webp")
    unsigned = url.split("?")[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(unsigned)
    assert refused.value.code == 403
    await store.copy("7/1/original.webp", "public/7/1/original.webp")
    assert fetch(store.url("public/7/1/original.webp"))[0] == b"private"


async def test_a_signed_address_is_reused_for_half_its_life(store: S3MediaStore) -> None:
    """Browsers cache by URL: a new signature on every page would fetch the picture again."""
    now = [1000.0]
    store.clock = lambda: now[0]
    first = store.url("7/2/original.webp")
    now[0] += store.signed_seconds / 2 - 1
    assert store.url("7/2/original.webp") == first
    assert store.url("7/3/original.webp") != first
    now[0] += 2
    store.url("7/2/original.webp")  # signed afresh, with its whole life left
    assert store._signed["7/2/original.webp"][0] == now[0] + store.signed_seconds / 2


async def test_missing_keys(store: S3MediaStore) -> None:
    with pytest.raises(FileNotFoundError):
        await store.get("never/stored.png")
    await store.delete("never/stored.png")  # a retried delete job meets this
    await store.delete("never/stored.png")


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "a//b", "", "a\\b"])
async def test_keys_are_checked(store: S3MediaStore, key: str) -> None:
    with pytest.raises(ValueError):
        await store.put(key, b"x", "image/png")
    with pytest.raises(ValueError):
        await store.get(key)
    with pytest.raises(ValueError):
        await store.delete(key)
    with pytest.raises(ValueError):
        store.url(key)


def test_settings_pick_the_store(settings: Settings, s3_settings: Settings) -> None:
    assert media_store(s3_settings) is media_store(s3_settings)  # one client per process
    local = settings.model_copy(update={"media_url": "", "media_public_url": ""})
    assert isinstance(media_store(local), LocalMediaStore)
    assert media_store(local).url("1/a.png") == "/media/1/a.png"
    cdn = local.model_copy(update={"media_public_url": "https://cdn.example/m/"})
    assert media_store(cdn).url("1/a.png") == "https://cdn.example/m/1/a.png"
    # Pages must allow images from the store's origin (CSP), and only then.
    assert media_origin(media_store(local)) == ""
    assert media_origin(media_store(cdn)) == "https://cdn.example"
    assert media_origin(media_store(s3_settings)) == s3_settings.s3_endpoint
    # Behind a CDN, signed addresses still come from the bucket itself.
    s3_cdn = s3_settings.model_copy(update={"media_public_url": "https://cdn.example/m"})
    assert media_origin(media_store(s3_cdn)) == f"https://cdn.example {s3_settings.s3_endpoint}"


def test_locations_and_default_public_urls() -> None:
    assert S3Location.parse("s3://pics") == S3Location("pics", "")
    assert S3Location.parse("s3://pics/a/b/") == S3Location("pics", "a/b")
    for bad in ("pics", "http://pics/a", "s3:///a"):
        with pytest.raises(ValueError):
            S3Location.parse(bad)
    aws = S3MediaStore("s3://pics", region="eu-west-3")
    assert (aws.url("public/1/a b.png")
            == "https://pics.s3.eu-west-3.amazonaws.com/public/1/a%20b.png")
    minio = S3MediaStore("s3://pics/salon", endpoint="http://minio:9000/")
    assert minio.url("public/1/a.png") == "http://minio:9000/pics/salon/public/1/a.png"


def test_uploads_through_the_web_and_api_land_in_the_bucket(
    s3_settings: Settings, store: S3MediaStore
) -> None:
    public = f"{s3_settings.media_public_url}/{store.location.prefix}/"
    for site in open_site(s3_settings):
        alice = site.user("alice")
        post_id = site.compose(alice, "alice", {"text": "in the bucket", "alt_0": "pink"},
                               files={"image_0": ("p.png", png(), "image/png")})
        page = site.anon.get(f"/@alice/{post_id}").text
        shown = [img for img in elements(articles(page), "img") if img.get("alt") == "pink"]
        assert shown and shown[0]["src"].startswith(public)
        assert fetch(shown[0]["src"])[1] == "image/webp"
        assert site.anon.client.get("/media/anything.png").status_code == 404  # not mounted

        token = token_for(site, "bob")
        media = api(site, "POST", "/api/v2/media", token,
                    files={"file": ("a.png", png(20, 10), "image/png")}).json()
        status = api(site, "POST", "/api/v1/statuses", token,
                     data={"status": "from an app", "media_ids[]": [media["id"]]}).json()
        attached = status["media_attachments"][0]
        assert attached["url"].startswith(public) and attached["preview_url"].startswith(public)
        data, content_type = fetch(attached["url"])
        assert content_type in ("image/jpeg", "image/webp") and data
        me = api(site, "PATCH", "/api/v1/accounts/update_credentials", token,
                 files={"avatar": ("a.png", png(), "image/png")}).json()
        assert me["avatar"].startswith(public)


async def test_a_generation_stores_its_candidates_in_the_bucket(
    session: AsyncSession, s3_settings: Settings, store: S3MediaStore, people: People,
    worker: Worker, s3: S3Server,
) -> None:
    alice = await people.make("alice")
    made = await generation.request(session, s3_settings, alice,
                                    GenerationSpec("a red kite over hills", count=2, seed=3))
    await session.commit()
    await worker.drain()
    await session.refresh(made)
    assert made.state == State.succeeded, made.error
    views = (await generation.candidates(session, [made.id]))[made.id]
    assert len(views) == 2
    for view in views:
        assert view.media is not None and view.candidate.plain_key is not None
        for key in (view.media.file_key, view.candidate.plain_key):
            assert (await store.get(key)).startswith(b"\x89PNG")
        assert store.url(view.media.file_key).startswith(
            f"{s3.endpoint}/{S3_BUCKET}/{store.location.prefix}/")
